package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.magicode.appliance.ApplianceJar.Finished;
import ai.magicode.appliance.ApplianceJar.Running;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The canary: a known secret is stored, then every HTTP route (from {@code META-INF/openapi.yaml}) and every CLI
 * command of the built jar is exercised; the secret must then appear, in plain, base64 or hex form, in no log line,
 * no response and no file under the data dir (store, audit log, backups). Features add their CLI runs to
 * {@link #cliRuns}; their routes are picked up from the OpenAPI document by themselves.
 */
class SecretCanaryIT {
    private static final Duration DEADLINE = ApplianceJar.DEADLINE;
    private static final String TENANT = "acme";

    /**
     * CLI commands (by their full name) that this test does not run, with the reason; every other command must
     * have a run in {@link #cliRuns}, so a new command fails this test until it is exercised here.
     */
    private static final Map<String, String> NOT_RUN = Map.ofEntries(
            Map.entry("magicode", "the same as serve"),
            Map.entry("magicode serve", "runs as the appliance under test"),
            Map.entry("magicode bench", "a group; its subcommands are listed"),
            Map.entry("magicode bench startup", "starts the jar several times for a minute; prints no secrets"),
            Map.entry("magicode audit", "a group; its subcommands are listed"),
            Map.entry(
                    "magicode localize",
                    "reads a Git repository and its own index, never the store or vault; LocalizeIT"),
            Map.entry("magicode bench localize", "needs the fetched benchmark repositories; touches no stored secret"),
            Map.entry(
                    "magicode bench index",
                    "needs a fetched repository or generates thousands of files to embed; touches no stored secret"),
            Map.entry(
                    "magicode bench index-update",
                    "generates and embeds a repository of thousands of files for many minutes; touches no stored secret"),
            Map.entry("magicode secrets", "a group; its subcommands are listed"),
            Map.entry("magicode tls", "a group; its subcommands are listed"),
            Map.entry("magicode bundle", "a group; its subcommands are listed"),
            Map.entry(
                    "magicode preflight",
                    "needs kubectl and a cluster; reads no data dir or vault; PreflightIT runs it against fakes"));

    @TempDir
    Path dir;

    private final String canary = "canary-" + HexFormat.of().formatHex(SecureRandom.getSeed(12));
    private final List<Process> started = new ArrayList<>();
    private final List<String> transcript = new ArrayList<>();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    /** The CLI runs while the appliance serves ({@code during}) and after it stopped ({@code after}). */
    private Map<String, List<List<String>>> cliRuns(Path dataDir, boolean serving) throws IOException {
        Path valueFile = dir.resolve("inputs/second-value");
        Files.createDirectories(valueFile.getParent());
        Files.writeString(valueFile, canary + "-v2");
        Map<String, List<List<String>>> runs = new LinkedHashMap<>();
        if (serving) {
            runs.put("magicode version", List.of(List.of("version")));
            runs.put(
                    "magicode secrets put",
                    List.of(List.of(
                            "secrets",
                            "put",
                            "--tenant",
                            TENANT,
                            "--name",
                            "canary",
                            "--value-file",
                            valueFile.toString())));
            runs.put("magicode secrets list", List.of(List.of("secrets", "list", "--tenant", TENANT)));
            runs.put(
                    "magicode secrets prune",
                    List.of(List.of("secrets", "prune", "--tenant", TENANT, "--name", "canary")));
            runs.put("magicode secrets rotate-master-key", List.of(List.of("secrets", "rotate-master-key")));
            runs.put(
                    "magicode secrets delete",
                    List.of(
                            List.of(
                                    "secrets",
                                    "put",
                                    "--tenant",
                                    "other",
                                    "--name",
                                    "gone",
                                    "--value-file",
                                    valueFile.toString()),
                            List.of("secrets", "delete", "--tenant", "other", "--name", "gone")));
            runs.put(
                    "magicode backup",
                    List.of(List.of("backup", "--to", dir.resolve("backup").toString())));
            runs.put(
                    "magicode tls self-signed",
                    List.of(List.of(
                            "tls",
                            "self-signed",
                            "--host",
                            "localhost",
                            "--out",
                            dir.resolve("tls").toString())));
            runs.put("magicode bench vault", List.of(List.of("bench", "vault", "--ops", "200", "--warmup", "50")));
            runs.put(
                    "magicode bench llm",
                    List.of(List.of("bench", "llm", "--decisions", "2000", "--calls", "20", "--corpus-mb", "1")));
            runs.put("magicode audit verify", List.of(List.of("audit", "verify", "--data-dir", dataDir.toString())));
            runs.put(
                    "magicode bench auth",
                    List.of(List.of(
                            "bench",
                            "auth",
                            "--validations",
                            "2000",
                            "--seconds",
                            "1",
                            "--rounds",
                            "1",
                            "--connections",
                            "2")));
            runs.put(
                    "magicode bench audit",
                    List.of(List.of(
                            "bench",
                            "audit",
                            "--appenders",
                            "2",
                            "--entries",
                            "200",
                            "--verify-entries",
                            "2000",
                            "--dir",
                            dir.resolve("bench-audit").toString())));
            runs.put(
                    "magicode bench webhooks",
                    List.of(List.of(
                            "bench",
                            "webhooks",
                            "--seconds",
                            "1",
                            "--rounds",
                            "1",
                            "--connections",
                            "2",
                            "--dir",
                            dir.resolve("bench-webhooks").toString())));
            runs.put(
                    "magicode bench index-query",
                    List.of(List.of(
                            "bench",
                            "index-query",
                            "--chunks",
                            "500",
                            "--queries",
                            "5",
                            "--dir",
                            dir.resolve("bench-index-query").toString())));
            runs.put(
                    "magicode bench agent",
                    List.of(List.of(
                            "bench",
                            "agent",
                            "--files",
                            "30",
                            "--jobs",
                            "1",
                            "--concurrent",
                            "2",
                            "--dir",
                            dir.resolve("bench-agent").toString())));
        } else {
            runs.put(
                    "magicode restore",
                    List.of(List.of("restore", "--from", dir.resolve("backup").toString())));
            runs.put("magicode secrets list", List.of(List.of("secrets", "list", "--tenant", TENANT)));
            runs.put("magicode audit verify", List.of(List.of("audit", "verify", "--data-dir", dataDir.toString())));
            // Release bundles: no data dir involved, but the commands' output is scanned like every other.
            Path bundle = dir.resolve("bundle");
            Files.createDirectories(bundle);
            Files.writeString(bundle.resolve("values.yaml"), "airGapped: true\n");
            String keys = dir.resolve("bundle-keys").toString();
            runs.put("magicode bundle keygen", List.of(List.of("bundle", "keygen", "--out", keys)));
            runs.put(
                    "magicode bundle seal",
                    List.of(List.of("bundle", "seal", bundle.toString(), "--key", keys + "/signing-key.pem")));
            runs.put(
                    "magicode bundle verify",
                    List.of(List.of("bundle", "verify", bundle.toString(), "--public-key", keys + "/signing-key.pub")));
        }
        return runs;
    }

    @Test
    void theCanaryAppearsInNoLogResponseOrFile() throws Exception {
        // The scan finds the canary inside longer encoded data, whatever its alignment.
        for (String prefix : List.of("", "x", "xy")) {
            byte[] around = (prefix + canary + "z").getBytes(StandardCharsets.UTF_8);
            assertTrue(forms(canary).stream().anyMatch(Base64.getEncoder().encodeToString(around)::contains));
            assertTrue(forms(canary).stream().anyMatch(HexFormat.of().formatHex(around)::contains));
        }
        Path dataDir = dir.resolve("data");
        Map<String, String> env = Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0");

        // Store the canary offline, then remove the only plaintext copy.
        Path valueFile = dir.resolve("inputs/canary");
        Files.createDirectories(valueFile.getParent());
        Files.writeString(valueFile, canary);
        expectOk(run(
                env, "secrets", "put", "--tenant", TENANT, "--name", "canary", "--value-file", valueFile.toString()));
        Files.delete(valueFile);

        Running appliance = start(env, "serve");
        URI base = URI.create("http://127.0.0.1:" + appliance.port());
        exerciseRoutes(base);

        Set<String> covered = new TreeSet<>();
        for (var entry : cliRuns(dataDir, true).entrySet()) {
            covered.add(entry.getKey());
            for (List<String> args : entry.getValue()) {
                expectOk(run(env, args.toArray(String[]::new)));
            }
        }
        exerciseRoutes(base);

        assertTrue(appliance.process().toHandle().destroy());
        assertTrue(appliance.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "did not stop");
        transcript.add(appliance.output().awaitEnd(DEADLINE));

        for (var entry : cliRuns(dataDir, false).entrySet()) {
            covered.add(entry.getKey());
            for (List<String> args : entry.getValue()) {
                String output = expectOk(run(env, args.toArray(String[]::new)));
                if (args.contains("list")) {
                    assertTrue(output.contains("canary"), "the canary secret did not survive: " + output);
                }
            }
        }
        Files.deleteIfExists(dir.resolve("inputs/second-value"));
        assertEveryCommandRuns(covered);
        helpOfEveryCommand();

        List<String> leaks = new ArrayList<>();
        List<String> forms = forms(canary);
        for (String text : transcript) {
            forms.stream()
                    .filter(text::contains)
                    .forEach(form -> leaks.add("output or response: " + around(text, form)));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                forms.stream()
                        .filter(content::contains)
                        .forEach(form -> leaks.add(file + ": " + around(content, form)));
            }
        }
        if (!leaks.isEmpty()) {
            fail("the canary leaked:\n" + String.join("\n", leaks));
        }
    }

    /** Where {@code form} occurs in {@code text}, with the form itself masked. */
    private static String around(String text, String form) {
        int at = text.indexOf(form);
        return text.substring(Math.max(0, at - 200), at) + "<CANARY>"
                + text.substring(at + form.length(), Math.min(text.length(), at + form.length() + 100));
    }

    /** Plain, hex (both cases) and base64 (standard and URL alphabets, at each of the three byte alignments). */
    static List<String> forms(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        List<String> forms = new ArrayList<>(List.of(
                secret,
                HexFormat.of().formatHex(bytes),
                HexFormat.of().withUpperCase().formatHex(bytes)));
        for (int shift = 0; shift < 3; shift++) {
            byte[] shifted = new byte[shift + bytes.length];
            System.arraycopy(bytes, 0, shifted, shift, bytes.length);
            String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
            // Drop the characters that mix in the neighbouring bytes on either side.
            int from = shift == 0 ? 0 : (shift * 4 + 2) / 3;
            int to = ((shift + bytes.length) / 3) * 4;
            String core = encoded.substring(from, to);
            forms.add(core);
            forms.add(core.replace('+', '-').replace('/', '_'));
        }
        return forms;
    }

    /** Calls every described operation without and with bodies that carry the canary, and some extra paths. */
    private void exerciseRoutes(URI base) throws Exception {
        Map<String, Map<String, Object>> paths;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/openapi.yaml")) {
            Map<String, Object> document = new Yaml().load(in);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> p = (Map<String, Map<String, Object>>) document.get("paths");
            paths = p;
        }
        List<String> bodies = List.of(
                "", "{\"value\":\"" + canary + "\"}", "{\"value\":\"" + canary, "{\"name\":\"" + canary + "\"}");
        for (var path : paths.entrySet()) {
            String target = path.getKey().replaceAll("\\{[^}]+}", "canary");
            for (String method : path.getValue().keySet()) {
                for (String body : bodies) {
                    call(base.resolve(target), method.toUpperCase(Locale.ROOT), body, Optional.empty());
                    call(base.resolve(target), method.toUpperCase(Locale.ROOT), body, Optional.of(canary));
                }
            }
        }
        for (String extra : List.of("/", "/openapi", "/api/v1/nothing-here")) {
            call(base.resolve(extra), "GET", "", Optional.empty());
        }
    }

    private void call(URI uri, String method, String body, Optional<String> bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
        bearer.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        transcript.add(method + " " + uri + " → " + response.statusCode() + "\n"
                + response.headers().map() + "\n" + response.body());
    }

    private void assertEveryCommandRuns(Set<String> covered) {
        Set<String> missing = new TreeSet<>();
        collect(Main.commandLine(), missing);
        missing.removeAll(covered);
        missing.removeAll(NOT_RUN.keySet());
        assertEquals(Set.of(), missing, "CLI commands the canary test does not exercise: add them to cliRuns");
    }

    private static void collect(CommandLine command, Set<String> names) {
        names.add(command.getCommandSpec().qualifiedName());
        command.getSubcommands().values().forEach(sub -> collect(sub, names));
    }

    /** Every command's help, in-process: cheap, and it covers options and descriptions as they grow. */
    private void helpOfEveryCommand() {
        Set<String> names = new TreeSet<>();
        collect(Main.commandLine(), names);
        for (String name : names) {
            List<String> args = new ArrayList<>(List.of(name.split(" ")));
            args.removeFirst();
            args.add("--help");
            StringWriter out = new StringWriter();
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(out));
            cli.execute(args.toArray(String[]::new));
            transcript.add(out.toString());
        }
    }

    private String expectOk(Finished finished) {
        assertEquals(0, finished.exitCode(), finished.output());
        return finished.output();
    }

    private Running start(Map<String, String> env, String... args) throws IOException {
        Running running = ApplianceJar.start(env, args);
        started.add(running.process());
        return running;
    }

    private Finished run(Map<String, String> env, String... args) throws Exception {
        Finished finished = start(env, args).finish();
        transcript.add(finished.output());
        return new Finished(finished.exitCode(), "magicode " + String.join(" ", args) + ":\n" + finished.output());
    }
}
