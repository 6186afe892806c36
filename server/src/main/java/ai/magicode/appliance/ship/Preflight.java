package ai.magicode.appliance.ship;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * The checks before an install: the cluster (Kubernetes version, storage class, NetworkPolicy support) through
 * {@code kubectl}, free space for the bundle, and reachability and TLS of GitHub, the OIDC provider and each model
 * endpoint named in the chart values. Produces a readable report; an install goes on only without failures.
 */
public final class Preflight {
    /** The oldest Kubernetes minor version the chart is tested for (1.27). */
    static final int MIN_MINOR = 27;

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Options options;

    /**
     * What to check.
     *
     * @param chartDir the chart (its values.yaml holds the defaults)
     * @param valuesFiles the operator's values files, later ones winning
     * @param kubectl the kubectl command (a path or a name on PATH)
     * @param caFile PEM certificates to trust besides the JVM's, or null
     * @param spaceDir where the bundle is unpacked and loaded from (free space is checked there)
     * @param minFreeMb the least free space wanted there
     */
    public record Options(
            Path chartDir, List<Path> valuesFiles, String kubectl, Path caFile, Path spaceDir, long minFreeMb) {}

    /** One check's outcome. */
    public record Check(Status status, String name, String detail) {}

    /** A check's verdict: a failure stops the install, a warning does not. */
    public enum Status {
        PASS,
        WARN,
        FAIL
    }

    /** All checks, in the order they ran. */
    public record Report(List<Check> checks) {
        /** Whether nothing failed. */
        public boolean ok() {
            return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
        }

        /** One line per check, then a verdict: what an operator reads. */
        public String text() {
            StringBuilder out = new StringBuilder("MagiCode preflight\n");
            for (Check check : checks) {
                out.append(String.format("  %-4s  %-24s %s%n", check.status(), check.name(), check.detail()));
            }
            long failed = checks.stream().filter(c -> c.status() == Status.FAIL).count();
            out.append(
                    failed == 0 ? "Ready to install.\n" : failed + " check(s) failed: fix them before installing.\n");
            return out.toString();
        }
    }

    public Preflight(Options options) {
        this.options = options;
    }

    /** Runs every check; never throws for a failed check. */
    public Report run() {
        List<Check> checks = new ArrayList<>();
        Map<String, Object> values = values();
        checks.add(kubernetesVersion());
        checks.add(storageClass(string(values, "persistence", "storageClass")));
        checks.add(networkPolicies(values));
        checks.add(freeSpace());
        HttpClient http = httpClient(checks);
        String github = string(values, "github", "apiUrl");
        if (!github.isEmpty()) {
            checks.add(reach(http, "GitHub API", github + (github.endsWith("/") ? "" : "/") + "meta"));
        }
        String issuer = string(values, "oidc", "issuer");
        if (issuer.isEmpty()) {
            checks.add(
                    new Check(Status.WARN, "OIDC provider", "oidc.issuer is empty: local login and API tokens only"));
        } else {
            checks.add(
                    reach(http, "OIDC provider", issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration"));
        }
        for (Object provider : list(get(values, "llm", "providers"))) {
            if (provider instanceof Map<?, ?> p && p.get("baseUrl") instanceof String url) {
                checks.add(reach(http, "model endpoint " + p.get("name"), url));
            }
        }
        return new Report(List.copyOf(checks));
    }

    private Check kubernetesVersion() {
        var result = kubectl("version", "-o", "json");
        if (result.code() != 0) {
            return new Check(
                    Status.FAIL, "Kubernetes version", "kubectl version failed: " + firstLine(result.output()));
        }
        Matcher major = Pattern.compile("\"serverVersion\"\\s*:\\s*\\{[^}]*?\"major\"\\s*:\\s*\"(\\d+)")
                .matcher(result.output());
        Matcher minor = Pattern.compile("\"serverVersion\"\\s*:\\s*\\{[^}]*?\"minor\"\\s*:\\s*\"(\\d+)")
                .matcher(result.output());
        if (!major.find() || !minor.find()) {
            return new Check(Status.FAIL, "Kubernetes version", "no server version in kubectl's answer");
        }
        String version = major.group(1) + "." + minor.group(1);
        boolean ok = Integer.parseInt(major.group(1)) > 1 || Integer.parseInt(minor.group(1)) >= MIN_MINOR;
        return new Check(
                ok ? Status.PASS : Status.FAIL,
                "Kubernetes version",
                ok ? version : version + " is older than 1." + MIN_MINOR);
    }

    private Check storageClass(String wanted) {
        var result = kubectl("get", "storageclass", "-o", "json");
        if (result.code() != 0) {
            return new Check(
                    Status.FAIL, "storage class", "kubectl get storageclass failed: " + firstLine(result.output()));
        }
        Object parsed = new Yaml().load(result.output());
        List<String> names = new ArrayList<>();
        String defaultClass = null;
        for (Object item : list(get(parsed, "items"))) {
            String name = String.valueOf(get(item, "metadata", "name"));
            names.add(name);
            Object annotations = get(item, "metadata", "annotations");
            if (annotations instanceof Map<?, ?> a
                    && "true".equals(a.get("storageclass.kubernetes.io/is-default-class"))) {
                defaultClass = name;
            }
        }
        if (!wanted.isEmpty()) {
            return names.contains(wanted)
                    ? new Check(Status.PASS, "storage class", wanted)
                    : new Check(Status.FAIL, "storage class", wanted + " does not exist (have: " + names + ")");
        }
        return defaultClass != null
                ? new Check(Status.PASS, "storage class", defaultClass + " (cluster default)")
                : new Check(
                        Status.FAIL,
                        "storage class",
                        "no default StorageClass: set persistence.storageClass (have: " + names + ")");
    }

    private Check networkPolicies(Map<String, Object> values) {
        var result = kubectl("api-resources", "--api-group=networking.k8s.io", "-o", "name");
        boolean supported = result.code() == 0 && result.output().contains("networkpolicies");
        boolean airGapped = Boolean.TRUE.equals(get(values, "airGapped"));
        boolean enabled = !Boolean.FALSE.equals(get(values, "networkPolicy", "enabled"));
        if (!supported) {
            return new Check(
                    Status.FAIL, "egress policy", "the cluster does not serve networking.k8s.io NetworkPolicy");
        }
        if (airGapped && !enabled) {
            return new Check(Status.FAIL, "egress policy", "airGapped needs networkPolicy.enabled");
        }
        if (airGapped
                && (!string(values, "proxy", "http").isEmpty()
                        || !string(values, "proxy", "https").isEmpty())) {
            return new Check(
                    Status.FAIL, "egress policy", "airGapped with a proxy set: traffic would leave the cluster");
        }
        return new Check(
                enabled ? Status.PASS : Status.WARN,
                "egress policy",
                enabled
                        ? (airGapped ? "default-deny, in-cluster targets only" : "default-deny with allow-lists")
                        : "networkPolicy.enabled is false: egress is not restricted");
    }

    private Check freeSpace() {
        try {
            long freeMb = Files.getFileStore(options.spaceDir()).getUsableSpace() / (1024 * 1024);
            return new Check(
                    freeMb >= options.minFreeMb() ? Status.PASS : Status.FAIL,
                    "free space",
                    freeMb + " MB free in " + options.spaceDir() + " (need " + options.minFreeMb() + ")");
        } catch (IOException e) {
            return new Check(Status.FAIL, "free space", "cannot read " + options.spaceDir() + ": " + e.getMessage());
        }
    }

    private Check reach(HttpClient http, String name, String url) {
        if (http == null) {
            return new Check(Status.FAIL, name, "no HTTP client (see the CA bundle check)");
        }
        try {
            var response = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            String tls = url.startsWith("https:") ? ", TLS trusted" : ", plain HTTP";
            // Any HTTP answer shows the host is reachable; 5xx means it is there but not well.
            return new Check(
                    response.statusCode() < 500 ? Status.PASS : Status.WARN,
                    name,
                    url + " answered " + response.statusCode() + tls);
        } catch (SSLException e) {
            return new Check(
                    Status.FAIL,
                    name,
                    url + ": TLS failed (" + e.getMessage() + "); give the CA with --ca-file and caBundle.*");
        } catch (IOException e) {
            return new Check(
                    Status.FAIL, name, url + " unreachable: " + e.getClass().getSimpleName() + " " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return new Check(Status.FAIL, name, url + " is not a URL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(Status.FAIL, name, "interrupted");
        }
    }

    private HttpClient httpClient(List<Check> checks) {
        var builder = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
        if (options.caFile() == null) {
            return builder.build();
        }
        try (InputStream in = Files.newInputStream(options.caFile())) {
            var certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("custom-" + i++, certificate);
            }
            for (var manager : defaults.getTrustManagers()) {
                if (manager instanceof javax.net.ssl.X509TrustManager x509) {
                    for (var issuer : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("default-" + i++, issuer);
                    }
                }
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            checks.add(new Check(
                    Status.PASS, "CA bundle", certificates.size() + " certificate(s) from " + options.caFile()));
            return builder.sslContext(context).build();
        } catch (IOException | GeneralSecurityException e) {
            checks.add(new Check(Status.FAIL, "CA bundle", options.caFile() + " is not a PEM certificate bundle"));
            return null;
        }
    }

    private Map<String, Object> values() {
        Map<String, Object> merged = new LinkedHashMap<>(load(options.chartDir().resolve("values.yaml")));
        for (Path file : options.valuesFiles()) {
            merge(merged, load(file));
        }
        return merged;
    }

    private static Map<String, Object> load(Path file) {
        try {
            Object loaded = new Yaml().load(Files.readString(file));
            return loaded instanceof Map<?, ?> ? map(loaded) : Map.of();
        } catch (IOException e) {
            throw new ShipException("cannot read the values file " + file, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            if (value instanceof Map<?, ?> m && into.get(key) instanceof Map<?, ?> existing) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
                merge(copy, (Map<String, Object>) m);
                into.put(key, copy);
            } else {
                into.put(key, value);
            }
        });
    }

    private record Result(int code, String output) {}

    private Result kubectl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(options.kubectl());
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(124, "timed out");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, options.kubectl() + " not found or not runnable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }

    private static String firstLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private static String string(Object node, String... path) {
        Object value = get(node, path);
        return value == null ? "" : String.valueOf(value);
    }

    private static Object get(Object node, String... path) {
        Object current = node;
        for (String step : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(step);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return (Map<String, Object>) node;
    }

    private static List<?> list(Object node) {
        return node instanceof List<?> l ? l : List.of();
    }
}
