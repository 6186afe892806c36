package ai.magicode.appliance.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsEmbeddedDefaults() {
        ApplianceConfig config = ApplianceConfig.load(Optional.empty(), Map.of());
        assertAll(
                () -> assertEquals(8080, config.server().port()),
                () -> assertEquals("0.0.0.0", config.server().host()),
                () -> assertEquals(Path.of("data").toAbsolutePath().normalize(), config.dataDir()),
                () -> assertEquals(Duration.ofSeconds(10), config.server().shutdownGrace()),
                () -> assertEquals(25L * 1024 * 1024, config.server().maxRequestBytes()),
                () -> assertFalse(config.server().tls().enabled()),
                () -> assertEquals(
                        ApplianceConfig.LogConfig.Format.JSON, config.log().format()));
    }

    @Test
    void environmentOverridesFileWhichOverridesDefaults() throws IOException {
        Path file = write("server:\n  port: 9000\n  host: 127.0.0.1\nlog:\n  level: debug\n");
        ApplianceConfig config = ApplianceConfig.load(Optional.of(file), Map.of("MAGICODE_SERVER_PORT", "9100"));
        assertEquals(9100, config.server().port());
        assertEquals("127.0.0.1", config.server().host());
        assertEquals(ApplianceConfig.LogConfig.Level.DEBUG, config.log().level());
    }

    @Test
    void contractEnvironmentNamesWork() {
        ApplianceConfig config = ApplianceConfig.load(
                Optional.empty(),
                Map.of(
                        "MAGICODE_PORT",
                        "7000",
                        "MAGICODE_DATA_DIR",
                        dir.resolve("d").toString()));
        assertEquals(7000, config.server().port());
        assertEquals(dir.resolve("d"), config.dataDir());
    }

    @Test
    void derivesEnvironmentNamesFromKeyPaths() {
        assertEquals("MAGICODE_SERVER_TLS_CERT_FILE", ConfigValues.envName("server.tls.cert-file"));
        assertEquals("MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", ConfigValues.envName("github.webhook-secret-file"));
    }

    @Test
    void noTwoKeysShareAnEnvironmentName() {
        Map<String, String> names = ApplianceConfig.environmentNames();
        Set<String> distinct = new HashSet<>(names.values());
        assertEquals(names.size(), distinct.size(), () -> "colliding environment names: " + names);
    }

    @Test
    void malformedPortNamesKeySourceAndExpectedForm() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_PORT", "eighty")));
        assertEquals("server.port", e.key());
        assertTrue(e.getMessage().contains("MAGICODE_PORT"), e.getMessage());
        assertTrue(e.getMessage().contains("expected an integer from 0 to 65535"), e.getMessage());
    }

    @Test
    void webhookRetentionMustOutlastTheRecoveryWindowByADay() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ApplianceConfig.load(
                        Optional.empty(),
                        Map.of(
                                "MAGICODE_GITHUB_WEBHOOKS_RECOVERY_WINDOW", "P2D",
                                "MAGICODE_GITHUB_WEBHOOKS_RETENTION", "P2D")));
        assertEquals("github.webhooks.retention", e.key());
        assertTrue(e.getMessage().contains("recovery-window plus one day"), e.getMessage());
        assertEquals(
                java.time.Duration.ofDays(3),
                ApplianceConfig.load(
                                Optional.empty(),
                                Map.of(
                                        "MAGICODE_GITHUB_WEBHOOKS_RECOVERY_WINDOW", "P2D",
                                        "MAGICODE_GITHUB_WEBHOOKS_RETENTION", "P3D"))
                        .webhooks()
                        .retention());
    }

    @Test
    void portOutOfRangeIsRejected() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_SERVER_PORT", "70000")));
        assertEquals("server.port", e.key());
    }

    @Test
    void rejectsUnknownKeyInFileAndListsTheSection() throws IOException {
        Path file = write("server:\n  prot: 9000\n");
        ConfigException e =
                assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.of(file), Map.of()));
        assertEquals("server.prot", e.key());
        assertTrue(e.getMessage().contains("server.port"), e.getMessage());
    }

    @Test
    void rejectsFileThatIsNotYaml() throws IOException {
        Path file = write("server: [port: {\n");
        ConfigException e =
                assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.of(file), Map.of()));
        assertTrue(e.getMessage().contains("is not valid YAML"), e.getMessage());
    }

    @Test
    void rejectsMissingFile() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> ApplianceConfig.load(Optional.of(dir.resolve("absent.yaml")), Map.of()));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void rejectsBadDurationBooleanChoiceAndUrl() {
        assertEquals("server.shutdown-grace", keyOf(Map.of("MAGICODE_SERVER_SHUTDOWN_GRACE", "10 seconds")));
        assertEquals("server.tls.self-signed", keyOf(Map.of("MAGICODE_SERVER_TLS_SELF_SIGNED", "yes please")));
        assertEquals("log.format", keyOf(Map.of("MAGICODE_LOG_FORMAT", "xml")));
        assertEquals("server.public-url", keyOf(Map.of("MAGICODE_SERVER_PUBLIC_URL", "magicode.example.com")));
        assertEquals("server.max-request-bytes", keyOf(Map.of("MAGICODE_SERVER_MAX_REQUEST_BYTES", "12")));
    }

    @Test
    void theCheckSandboxIsOffByDefaultAndItsImageAndPodmanAreChecked() {
        AgentConfig defaults = ApplianceConfig.load(Optional.empty(), Map.of()).agent();
        assertFalse(defaults.sandboxEnabled());
        assertEquals(List.of("podman", "--runtime", "runc"), defaults.sandboxPodman());
        AgentConfig on = ApplianceConfig.load(
                        Optional.empty(),
                        Map.of(
                                "MAGICODE_AGENT_SANDBOX_ENABLED", "true",
                                "MAGICODE_AGENT_SANDBOX_IMAGE", "localhost/checks:2",
                                "MAGICODE_AGENT_SANDBOX_PODMAN", " podman  --root /srv/podman "))
                .agent();
        assertTrue(on.sandboxEnabled());
        assertEquals("localhost/checks:2", on.sandboxImage());
        assertEquals(List.of("podman", "--root", "/srv/podman"), on.sandboxPodman());
        assertEquals("agent.sandbox.image", keyOf(Map.of("MAGICODE_AGENT_SANDBOX_IMAGE", "--privileged")));
        assertEquals("agent.sandbox.podman", keyOf(Map.of("MAGICODE_AGENT_SANDBOX_PODMAN", "  ")));
    }

    @Test
    void certificateWithoutKeyIsRejected() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ApplianceConfig.load(
                        Optional.empty(), Map.of("MAGICODE_SERVER_TLS_CERT_FILE", "/etc/tls/cert.pem")));
        assertEquals("server.tls.key-file", e.key());
    }

    @Test
    void errorMessageDoesNotEchoControlCharacters() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_PORT", "80\n\u001b[31m")));
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(e.getMessage().contains("\u001b"));
    }

    @Test
    void everyKeyIsDocumentedWithItsEnvironmentVariable() throws IOException {
        Path docs = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(docs);
        ApplianceConfig.environmentNames().forEach((key, env) -> {
            assertTrue(text.contains("`" + key + "`"), () -> "docs/configuration.md does not document " + key);
            assertTrue(text.contains("`" + env + "`"), () -> "docs/configuration.md does not name " + env);
        });
    }

    private String keyOf(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> ApplianceConfig.load(Optional.empty(), env))
                .key();
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("magicode.yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
