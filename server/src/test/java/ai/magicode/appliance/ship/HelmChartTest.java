package ai.magicode.appliance.ship;

import static ai.magicode.appliance.ship.Chart.containers;
import static ai.magicode.appliance.ship.Chart.get;
import static ai.magicode.appliance.ship.Chart.list;
import static ai.magicode.appliance.ship.Chart.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart through real Helm: lint, render five value profiles, validate every manifest against the
 * Kubernetes API schema, and check what the chart promises (hardened pods, probes on the observe endpoints,
 * default-deny egress, no secret in a ConfigMap, no environment variable that is not a real config key).
 */
class HelmChartTest {
    /** Values profiles: the chart's ci/ files plus the air-gapped values the installer bundle ships. */
    static Stream<String> profiles() {
        return Stream.of("defaults", "ingress-tls", "existing-secrets", "air-gapped", "openshift");
    }

    /** Canaries in the ingress-tls profile's inline secret values. */
    private static final List<String> CANARIES =
            List.of("oidc-client-secret-canary-1f3a", "webhook-secret-canary-9c2d");

    static Path profile(String name) {
        return name.equals("air-gapped")
                ? Chart.REPO.resolve("installer/airgapped-values.yaml")
                : Chart.DIR.resolve("ci/" + name + "-values.yaml");
    }

    static Chart render(String profile) {
        return Chart.render(profile(profile));
    }

    @Test
    void lintsStrictlyClean() {
        var result = new Helm(Chart.DIR).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + result.getMessages());
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void everyManifestMatchesTheKubernetesApiSchema(String profile) {
        Chart chart = render(profile);
        assertTrue(chart.manifests().size() >= 7, chart.names()::toString);
        for (var manifest : chart.manifests()) {
            String kind = (String) manifest.get("kind");
            if (kind.equals("ServiceMonitor") || kind.equals("PrometheusRule")) {
                // Prometheus operator CRDs: not part of the Kubernetes API schema.
                assertEquals("monitoring.coreos.com/v1", manifest.get("apiVersion"));
                continue;
            }
            KubernetesSchema.validate(manifest);
        }
    }

    @Test
    void schemaValidationRejectsAnUnknownField() {
        var manifest = new LinkedHashMap<>(render("defaults").appliance());
        var spec = new LinkedHashMap<>(map(manifest.get("spec")));
        spec.put("replica", 1);
        manifest.put("spec", spec);
        var error = assertThrows(AssertionError.class, () -> KubernetesSchema.validate(manifest));
        assertTrue(error.getMessage().contains("replica"), error.getMessage());
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void everyPodRunsHardened(String profile) {
        Chart chart = render(profile);
        boolean openshift = profile.equals("openshift");
        List<Map<String, Object>> pods = chart.podSpecs();
        assertFalse(pods.isEmpty());
        for (var pod : pods) {
            var podContext = map(pod.get("securityContext"));
            assertEquals(true, podContext.get("runAsNonRoot"), "pod runAsNonRoot");
            assertEquals("RuntimeDefault", get(podContext, "seccompProfile", "type"), "pod seccomp");
            assertEquals(false, pod.get("automountServiceAccountToken"), "no API token in the pod");
            if (openshift) {
                assertNull(podContext.get("runAsUser"), "OpenShift assigns the uid");
                assertNull(podContext.get("fsGroup"), "OpenShift assigns the fsGroup");
            }
            for (var container : containers(pod)) {
                var context = map(container.get("securityContext"));
                String name = (String) container.get("name");
                assertEquals(false, context.get("allowPrivilegeEscalation"), name + " allowPrivilegeEscalation");
                assertEquals(true, context.get("readOnlyRootFilesystem"), name + " readOnlyRootFilesystem");
                assertEquals(List.of("ALL"), get(context, "capabilities", "drop"), name + " drops capabilities");
                assertNull(get(context, "capabilities", "add"), name + " adds no capability");
                assertTrue(context.get("privileged") == null || Boolean.FALSE.equals(context.get("privileged")));
                if (openshift) {
                    assertNull(context.get("runAsUser"), name + ": OpenShift assigns the uid");
                }
                assertNotNull(get(container, "resources", "limits", "memory"), name + " has a memory limit");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void probesUseTheObserveEndpoints(String profile) {
        var container = map(list(get(render(profile).appliance(), "spec", "template", "spec", "containers"))
                .getFirst());
        assertEquals("/observe/health", get(container, "startupProbe", "httpGet", "path"));
        assertEquals("/observe/health", get(container, "livenessProbe", "httpGet", "path"));
        assertEquals("/observe/health/ready", get(container, "readinessProbe", "httpGet", "path"));
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertEquals("http", get(container, probe, "httpGet", "port"), probe);
        }
        String scheme = profile.equals("existing-secrets") ? "HTTPS" : "HTTP";
        assertEquals(scheme, get(container, "readinessProbe", "httpGet", "scheme"), "TLS in the pod: probes speak it");
    }

    @Test
    void dataDirAndTmpAreTheOnlyWritableVolumes() {
        var pod = map(get(render("existing-secrets").appliance(), "spec", "template", "spec"));
        var container = containers(pod).getLast();
        Map<String, String> env = env(render("existing-secrets"));
        var writable = new TreeSet<String>();
        for (Object mount : list(container.get("volumeMounts"))) {
            if (!Boolean.TRUE.equals(map(mount).get("readOnly"))) {
                writable.add((String) map(mount).get("mountPath"));
            }
        }
        assertEquals(new TreeSet<>(Set.of("/var/lib/magicode", "/tmp")), writable);
        assertEquals("/var/lib/magicode", env.get("MAGICODE_DATA_DIR"));
        var claims = list(get(render("defaults").appliance(), "spec", "volumeClaimTemplates"));
        assertEquals("data", get(claims.getFirst(), "metadata", "name"));
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void everyEnvironmentVariableIsARealConfigKey(String profile) throws IOException {
        Set<String> known = new HashSet<String>();
        known.addAll(ConfigKeys.fromDefaults());
        Map<String, String> envToKey = new LinkedHashMap<>();
        for (String key : known) {
            envToKey.put(ConfigKeys.envName(key), key);
        }
        Chart chart = render(profile);
        Map<String, String> env = env(chart);
        assertFalse(env.isEmpty());
        var mounts = mountPaths(chart);
        for (var entry : env.entrySet()) {
            String name = entry.getKey();
            if (!name.startsWith("MAGICODE_")) {
                continue;
            }
            assertTrue(envToKey.containsKey(name), () -> name + " is not a configuration key of the appliance");
            // A …_FILE setting must name a file the pod actually mounts.
            if (name.endsWith("_FILE") && !entry.getValue().isEmpty()) {
                assertTrue(
                        mounts.stream().anyMatch(m -> entry.getValue().startsWith(m + "/")),
                        () -> name + "=" + entry.getValue() + " is not under a mounted volume: " + mounts);
            }
        }
        assertEquals("mounted-file", env.get("MAGICODE_SECRETS_MASTER_KEY_SOURCE"));
    }

    @Test
    void chartConfigPassThroughBecomesEnvironmentVariables() {
        Map<String, String> env = env(render("ingress-tls"));
        assertEquals("P365D", env.get("MAGICODE_AUDIT_RETENTION_MAX_AGE"));
        assertEquals("https://magicode.corp.example/", env.get("MAGICODE_SERVER_PUBLIC_URL"));
        assertEquals("https://sso.corp.example/realms/magicode", env.get("MAGICODE_AUTH_ISSUER"));
        String javaOptions = env.get("JAVA_TOOL_OPTIONS");
        assertTrue(javaOptions.contains("-Dhttps.proxyHost=proxy.corp.example -Dhttps.proxyPort=3128"), javaOptions);
        assertTrue(
                javaOptions.contains("-Djavax.net.ssl.trustStore=/var/run/magicode/truststore/cacerts"), javaOptions);
        assertTrue(javaOptions.contains("ghes.corp.example"), "GHES bypasses the proxy: " + javaOptions);
        assertTrue(env.get("NO_PROXY").contains(".svc"), env.get("NO_PROXY"));
    }

    @Test
    void proxyWithoutAPortUsesTheSchemeDefault(@TempDir Path dir) throws IOException {
        Path proxy = dir.resolve("proxy.yaml");
        Files.writeString(proxy, "proxy:\n  http: http://proxy.corp\n  https: http://proxy.corp:8443\n");
        String javaOptions = env(Chart.render(proxy)).get("JAVA_TOOL_OPTIONS");
        assertTrue(javaOptions.contains("-Dhttp.proxyHost=proxy.corp -Dhttp.proxyPort=80"), javaOptions);
        assertTrue(javaOptions.contains("-Dhttps.proxyHost=proxy.corp -Dhttps.proxyPort=8443"), javaOptions);
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void noSecretValueInAConfigMapOrEnvironment(String profile) {
        Chart chart = render(profile);
        List<String> secretValues = new ArrayList<>(CANARIES);
        for (var secret : chart.ofKind("Secret")) {
            for (Object value : map(secret.get("data")).values()) {
                secretValues.add(String.valueOf(value));
                secretValues.add(new String(java.util.Base64.getDecoder().decode(String.valueOf(value))));
            }
        }
        List<Map<String, Object>> exposed = new ArrayList<>(chart.ofKind("ConfigMap"));
        for (var pod : chart.podSpecs()) {
            for (var container : containers(pod)) {
                exposed.add(Map.of("env", list(container.get("env"))));
            }
        }
        String text = new Gson().toJson(exposed);
        for (String value : secretValues) {
            assertFalse(text.contains(value), () -> "a secret value appears in a ConfigMap or env of " + profile);
        }
        if (profile.equals("ingress-tls")) {
            assertEquals(3, chart.ofKind("Secret").size(), "master key, webhook secret, OIDC client secret");
        }
    }

    @Test
    void generatedMasterKeyIsKeptAcrossUpgradesAndUninstall() {
        var secret = render("defaults").one("Secret", Chart.RELEASE + "-magicode-master-key");
        assertEquals("keep", get(secret, "metadata", "annotations", "helm.sh/resource-policy"));
        // Created once at install; an upgrade never re-renders (so never replaces) it.
        assertEquals("pre-install", get(secret, "metadata", "annotations", Chart.HOOK + "hook"));
        assertNull(get(secret, "metadata", "annotations", Chart.HOOK + "hook-delete-policy"));
        byte[] key = java.util.Base64.getDecoder()
                .decode(new String(java.util.Base64.getDecoder().decode((String) get(secret, "data", "master.key"))));
        assertEquals(32, key.length, "the vault's master key is 32 bytes");
        assertTrue(render("existing-secrets").ofKind("Secret").isEmpty(), "existing secrets: the chart makes none");
    }

    @Test
    void defaultNetworkPolicyDeniesAllEgressButDns() {
        var policy = render("defaults").one("NetworkPolicy", Chart.RELEASE + "-magicode");
        assertEquals(List.of("Ingress", "Egress"), get(policy, "spec", "policyTypes"));
        var egress = list(get(policy, "spec", "egress"));
        assertEquals(1, egress.size(), () -> "only DNS: " + egress);
        var ports = list(map(egress.getFirst()).get("ports")).stream()
                .map(p -> map(p).get("port"))
                .toList();
        assertEquals(List.of(53, 53), ports);
        var ingressPorts =
                list(map(list(get(policy, "spec", "ingress")).getFirst()).get("ports"));
        assertEquals(8080, map(ingressPorts.getFirst()).get("port"));
    }

    @Test
    void networkPolicyAllowsExactlyTheConfiguredEndpoints() {
        var egress = list(get(render("existing-secrets").one("NetworkPolicy", "mc-magicode"), "spec", "egress"));
        assertEquals(Set.of("162.159.140.245/32", "160.79.104.10/32"), cidrs(egress));
        var tls = list(get(render("ingress-tls").one("NetworkPolicy", "mc-magicode"), "spec", "egress"));
        assertEquals(Set.of("10.20.0.10/32", "10.20.0.11/32", "10.20.0.2/32"), cidrs(tls));
    }

    @Test
    void airGappedAllowsOnlyInClusterTargets() {
        Chart chart = render("air-gapped");
        var egress = list(get(chart.one("NetworkPolicy", "mc-magicode"), "spec", "egress"));
        assertTrue(cidrs(egress).isEmpty(), "no ipBlock in air-gapped mode");
        assertTrue(new Gson().toJson(egress).contains("\"app.kubernetes.io/component\":\"ollama\""), "Ollama allowed");
        var ollamaPolicy = chart.one("NetworkPolicy", "mc-magicode-ollama");
        assertEquals(List.of(), get(ollamaPolicy, "spec", "egress"), "Ollama reaches nothing");
        for (var pod : chart.podSpecs()) {
            for (var container : containers(pod)) {
                assertTrue(
                        ((String) container.get("image")).startsWith("registry.airgap.local:5000/"),
                        () -> "image from the customer's registry: " + container.get("image"));
            }
        }
    }

    @Test
    void airGappedRefusesACidrTarget(@TempDir Path dir) throws IOException {
        Path extra = dir.resolve("cidr.yaml");
        Files.writeString(extra, "networkPolicy:\n  egress:\n    extra:\n      - {cidr: 0.0.0.0/0}\n");
        var error = assertThrows(IllegalStateException.class, () -> Chart.render(profile("air-gapped"), extra));
        assertTrue(error.getMessage().contains("only in-cluster"), error.getMessage());
    }

    @Test
    void valuesSchemaRejectsATypo(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "log:\n  format: xml\n");
        var error = assertThrows(IllegalStateException.class, () -> Chart.render(bad));
        assertTrue(error.getMessage().contains("format"), error.getMessage());
        Files.writeString(bad, "replicas: 2\n");
        assertThrows(IllegalStateException.class, () -> Chart.render(bad));
    }

    @Test
    void customCaBundleReachesTheJvmThroughAnInitContainer() {
        var pod = map(get(render("ingress-tls").appliance(), "spec", "template", "spec"));
        var init = map(list(pod.get("initContainers")).getFirst());
        assertEquals("truststore", init.get("name"));
        assertTrue(String.valueOf(init.get("command")).contains("keytool -importcert"));
        assertNull(get(render("defaults").appliance(), "spec", "template", "spec", "initContainers"));
    }

    @Test
    void monitoringAndTestHook() {
        Chart chart = render("ingress-tls");
        var monitor = chart.one("ServiceMonitor", "mc-magicode");
        assertEquals(
                "/observe/metrics",
                map(list(get(monitor, "spec", "endpoints")).getFirst()).get("path"));
        var rules = new Gson().toJson(chart.one("PrometheusRule", "mc-magicode"));
        assertTrue(rules.contains("magicode_audit_integrity_failures"), rules);
        var hook = chart.one("Pod", "mc-magicode-test-ready");
        assertEquals("test", get(hook, "metadata", "annotations", Chart.HOOK + "hook"));
        assertTrue(String.valueOf(get(hook, "spec", "containers")).contains("/observe/health/ready"));
        assertEquals(0, get(chart.one("PodDisruptionBudget", "mc-magicode"), "spec", "maxUnavailable"));
    }

    @Test
    void docsListEveryChartValue() throws IOException {
        Set<String> values = new TreeSet<>();
        try (InputStream in = Files.newInputStream(Chart.DIR.resolve("values.yaml"))) {
            flatten("", new Yaml().load(in), values);
        }
        String docs = Files.readString(Chart.REPO.resolve("docs/configuration.md"));
        int start = docs.indexOf("## Chart values");
        assertTrue(start >= 0, "docs/configuration.md has a Chart values section");
        String section = docs.substring(start);
        Set<String> documented = new TreeSet<>();
        var row =
                Pattern.compile("^\\| `([A-Za-z0-9.]+)` \\|", Pattern.MULTILINE).matcher(section);
        while (row.find()) {
            documented.add(row.group(1));
        }
        assertEquals(values, documented, "chart values in values.yaml vs docs/configuration.md");
    }

    private static void flatten(String prefix, Object node, Set<String> out) {
        if (node instanceof Map<?, ?> m
                && !m.isEmpty()
                && !prefix.endsWith("Selector")
                && !prefix.equals("resources")
                && !prefix.endsWith(".resources")
                && !prefix.endsWith("SecurityContext")
                && !prefix.equals("securityContext")) {
            for (var entry : m.entrySet()) {
                flatten(
                        prefix.isEmpty() ? entry.getKey().toString() : prefix + "." + entry.getKey(),
                        entry.getValue(),
                        out);
            }
        } else {
            out.add(prefix);
        }
    }

    private static Set<String> cidrs(List<Object> egress) {
        Set<String> cidrs = new HashSet<>();
        for (Object rule : egress) {
            for (Object peer : list(map(rule).get("to"))) {
                Object cidr = get(peer, "ipBlock", "cidr");
                if (cidr != null) {
                    cidrs.add((String) cidr);
                }
            }
        }
        return cidrs;
    }

    /** The appliance container's environment: its ConfigMap plus its env entries with plain values. */
    private static Map<String, String> env(Chart chart) {
        Map<String, String> env = new LinkedHashMap<>();
        map(chart.one("ConfigMap", Chart.RELEASE + "-magicode-env").get("data"))
                .forEach((k, v) -> env.put(k, String.valueOf(v)));
        var pod = map(get(chart.appliance(), "spec", "template", "spec"));
        for (Object entry : list(containers(pod).getLast().get("env"))) {
            env.put((String) map(entry).get("name"), String.valueOf(map(entry).get("value")));
        }
        return env;
    }

    private static List<String> mountPaths(Chart chart) {
        var pod = map(get(chart.appliance(), "spec", "template", "spec"));
        return list(containers(pod).getLast().get("volumeMounts")).stream()
                .map(m -> (String) map(m).get("mountPath"))
                .toList();
    }

    /** Validates manifests with the Kubernetes Java client's models, generated from the API's OpenAPI schema. */
    static final class KubernetesSchema {
        private static final Gson GSON = new Gson();

        static void validate(Map<String, Object> manifest) {
            String apiVersion = (String) manifest.get("apiVersion");
            String kind = (String) manifest.get("kind");
            String version = apiVersion.substring(apiVersion.lastIndexOf('/') + 1);
            String model = "io.kubernetes.client.openapi.models."
                    + version.substring(0, 1).toUpperCase(Locale.ROOT) + version.substring(1) + kind;
            JsonElement json = GSON.toJsonTree(manifest);
            try {
                Class.forName(model)
                        .getMethod("validateJsonElement", JsonElement.class)
                        .invoke(null, json);
            } catch (ClassNotFoundException e) {
                throw new AssertionError("not a Kubernetes API kind: " + apiVersion + " " + kind);
            } catch (InvocationTargetException e) {
                throw new AssertionError(
                        kind + " " + get(manifest, "metadata", "name") + ": "
                                + e.getCause().getMessage(),
                        e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
