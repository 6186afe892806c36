package ai.magicode.appliance.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.TestRequirements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer scripts end to end with the built jar: create a signed bundle, verify it (OpenSSL, and the jar's own
 * verifier), reject tampered bundles, load with a fake skopeo, install with a fake kubectl and helm on PATH.
 */
class InstallerIT {
    private static final Path INSTALLER = Chart.REPO.resolve("installer");

    /** One bundle for all tests (creating it hashes the 150 MB jar); each test works on a hard-linked copy. */
    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private static Path keys;
    private static Path sharedBundle;
    private Path bundle;
    private Path bin;

    @BeforeAll
    static void createBundle() throws Exception {
        TestRequirements.require(
                "openssl", run(List.of("openssl", "version"), null).code() == 0, "no openssl binary");
        String jar = System.getProperty("magicode.jar");
        keys = shared.resolve("keys");
        expect(0, run(List.of(java(), "-jar", jar, "bundle", "keygen", "--out", keys.toString()), null));
        Files.writeString(shared.resolve("image.tar"), "image layers");
        Files.writeString(shared.resolve("sbom.json"), "{\"bomFormat\":\"CycloneDX\"}");
        var created = expect(
                0,
                run(
                        List.of(
                                INSTALLER.resolve("bundle").toString(),
                                "--key",
                                keys.resolve("signing-key.pem").toString(),
                                "--out",
                                shared.resolve("out").toString(),
                                "--jar",
                                jar,
                                "--image",
                                shared.resolve("image.tar").toString(),
                                "--sbom",
                                shared.resolve("sbom.json").toString()),
                        null));
        Path tar = Path.of(created.output().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(Files.isRegularFile(tar), created.output());
        var unpacked = expect(
                0,
                run(
                        List.of(
                                INSTALLER.resolve("verify").toString(),
                                tar.toString(),
                                "--public-key",
                                keys.resolve("signing-key.pub").toString()),
                        null));
        assertTrue(unpacked.output().contains("is intact"), unpacked.output());
        sharedBundle = Path.of(tar.toString().replaceAll("\\.tar$", ""));
    }

    @BeforeEach
    void copyBundle() throws Exception {
        bin = Files.createDirectories(dir.resolve("bin"));
        bundle = dir.resolve("bundle");
        // Hard links: tests replace files (delete, then write), never change one in place.
        expect(0, run(List.of("cp", "-al", sharedBundle.toString(), bundle.toString()), null));
    }

    @Test
    void bundleHoldsEverythingAnInstallNeeds() throws Exception {
        for (String file : List.of(
                "image/magicode-appliance.tar",
                "values/airgapped-values.yaml",
                "sbom/sbom.cdx.json",
                "tools/magicode-server.jar",
                "installer/verify",
                "installer/install",
                "MANIFEST",
                "MANIFEST.sig")) {
            assertTrue(Files.isRegularFile(bundle.resolve(file)), file);
        }
        try (var charts = Files.list(bundle.resolve("chart"))) {
            assertEquals(1, charts.filter(p -> p.toString().endsWith(".tgz")).count());
        }
        // The jar's own verifier agrees with OpenSSL.
        expect(
                0,
                run(List.of(
                        java(),
                        "-jar",
                        System.getProperty("magicode.jar"),
                        "bundle",
                        "verify",
                        bundle.toString(),
                        "--public-key",
                        keys.resolve("signing-key.pub").toString())));
    }

    @Test
    void tamperedBundleIsRejected() throws Exception {
        Path values = bundle.resolve("values/airgapped-values.yaml");
        String text = Files.readString(values);
        Files.delete(values);
        Files.writeString(values, text.replace("airGapped: true", "airGapped: false"));
        var result = verify(bundle.toString());
        assertEquals(1, result.code(), result.output());
        assertTrue(result.output().contains("FAILED"), result.output());
        // Also through the jar's verifier, which names the file.
        var named = run(List.of(
                java(),
                "-jar",
                System.getProperty("magicode.jar"),
                "bundle",
                "verify",
                bundle.toString(),
                "--public-key",
                keys.resolve("signing-key.pub").toString()));
        assertEquals(1, named.code());
        assertTrue(named.output().contains("values/airgapped-values.yaml: SHA-256 differs"), named.output());
    }

    @Test
    void bundleSignedWithAnotherKeyIsRejected() throws Exception {
        expect(
                0,
                run(List.of(
                        java(),
                        "-jar",
                        System.getProperty("magicode.jar"),
                        "bundle",
                        "keygen",
                        "--out",
                        dir.resolve("other").toString())));
        var result = run(List.of(
                INSTALLER.resolve("verify").toString(),
                bundle.toString(),
                "--public-key",
                dir.resolve("other/signing-key.pub").toString()));
        assertEquals(1, result.code(), result.output());
        assertTrue(result.output().contains("signature does not match"), result.output());
    }

    @Test
    void loadPushesWithSkopeoAndInstallRunsPreflightThenHelm() throws Exception {
        Path calls = dir.resolve("calls.log");
        fake("skopeo", "echo \"skopeo $*\" >> " + calls);
        fake("helm", "echo \"helm $*\" >> " + calls);
        fake("kubectl", """
                case "$1" in
                  version) echo '{"serverVersion":{"major":"1","minor":"30"}}' ;;
                  get) echo '{"items":[{"metadata":{"name":"fast","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}]}' ;;
                  api-resources) echo networkpolicies.networking.k8s.io ;;
                esac
                """);
        expect(
                0,
                run(List.of(
                        bundle.resolve("installer/load").toString(),
                        bundle.toString(),
                        "--registry",
                        "registry.corp:5000")));
        String registryValues = Files.readString(bundle.resolve("values/registry-values.yaml"));
        assertTrue(registryValues.contains("imageRegistry: registry.corp:5000"), registryValues);
        // GHES and OIDC of the air-gapped defaults are not reachable here: point them at nothing to check.
        Path operator = dir.resolve("operator-values.yaml");
        Files.writeString(operator, "github:\n  apiUrl: \"\"\n");
        var install = run(List.of(
                bundle.resolve("installer/install").toString(),
                bundle.toString(),
                "--namespace",
                "magicode",
                "-f",
                operator.toString()));
        expect(0, install);
        assertTrue(install.output().contains("Ready to install."), install.output());
        List<String> log = Files.readAllLines(calls);
        assertTrue(log.getFirst().startsWith("skopeo copy --dest-tls-verify=true docker-archive:"), log::toString);
        assertTrue(
                log.getFirst().endsWith("docker://registry.corp:5000/magicode/appliance:" + version()), log::toString);
        assertTrue(log.get(1).startsWith("helm upgrade --install magicode "), log::toString);
        assertTrue(log.get(1).contains("--namespace magicode"), log::toString);
        assertTrue(log.get(1).contains("registry-values.yaml -f " + operator), log::toString);
        assertEquals("helm test magicode --namespace magicode", log.get(2));
    }

    @Test
    void installStopsWhenPreflightFails() throws Exception {
        Path calls = dir.resolve("calls.log");
        fake("skopeo", "true");
        fake("helm", "echo \"helm $*\" >> " + calls);
        fake("kubectl", "echo '{\"serverVersion\":{\"major\":\"1\",\"minor\":\"24\"}}'");
        expect(0, run(List.of(bundle.resolve("installer/load").toString(), bundle.toString(), "--registry", "r:5000")));
        var install = run(
                List.of(bundle.resolve("installer/install").toString(), bundle.toString(), "--namespace", "magicode"));
        assertEquals(1, install.code(), install.output());
        assertTrue(install.output().contains("1.24 is older than 1.27"), install.output());
        assertTrue(install.output().contains("nothing was installed"), install.output());
        assertTrue(Files.notExists(calls), "helm never ran");
    }

    private String version() throws IOException {
        return Files.readString(bundle.resolve("VERSION")).strip();
    }

    private void fake(String name, String body) throws IOException {
        Path script = bin.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    private Result verify(String target) throws Exception {
        return run(List.of(
                INSTALLER.resolve("verify").toString(),
                target,
                "--public-key",
                keys.resolve("signing-key.pub").toString()));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private record Result(int code, String output) {}

    private static Result expect(int code, Result result) {
        assertEquals(code, result.code(), result.output());
        return result;
    }

    private Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, bin);
    }

    private static Result run(List<String> command, Path bin) throws IOException, InterruptedException {
        var builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        if (bin != null) {
            env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        }
        env.put("MAGICODE_JAVA", java());
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
