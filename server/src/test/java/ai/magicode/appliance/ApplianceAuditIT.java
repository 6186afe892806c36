package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditVerifier;
import ai.magicode.appliance.config.ApplianceConfig;
import io.helidon.webserver.WebServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log inside the running appliance: its own actions, the health warning, the metric, the CLI. */
class ApplianceAuditIT {
    @TempDir
    Path dataDir;

    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(WebServer server, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> auditLines(Path dataDir) throws Exception {
        return Files.readAllLines(dataDir.resolve("audit/segment-000001.jsonl"));
    }

    private int cli(String... args) {
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void auditsStartAndStopAndWarnsAboutDamageWhileStayingReady() throws Exception {
        ApplianceConfig config = ApplianceConfig.load(
                Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0"));
        try (Appliance appliance = Appliance.create(config)) {
            WebServer server = appliance.start();
            List<String> started = auditLines(dataDir);
            assertTrue(started.getFirst().contains("\"target\":\"audit.signing-key\""), started.getFirst());
            assertTrue(started.get(1).contains("\"action\":\"appliance.start\""), started.get(1));
            assertEquals(401, get(server, "/api/v1/audit").statusCode(), "no authentication yet: refused");

            String health = get(server, "/observe/health").body();
            assertTrue(health.contains("\"name\":\"audit\""), health);
            assertFalse(health.contains("warning"), health);

            List<String> lines = auditLines(dataDir);
            Files.writeString(
                    dataDir.resolve("audit/segment-000001.jsonl"),
                    lines.get(0) + "\n" + lines.get(1).replace("appliance.start", "appliance.START") + "\n");
            assertFalse(appliance.audit().checkIntegrity().ok());
            HttpResponse<String> warned = get(server, "/observe/health");
            assertEquals(200, warned.statusCode(), "a damaged audit log is a warning, not an outage");
            assertTrue(warned.body().contains("segment-000001.jsonl line 2"), warned.body());
            assertEquals(200, get(server, "/observe/health/ready").statusCode());
            assertEquals(200, get(server, "/observe/health/live").statusCode());
            String metrics = get(server, "/observe/metrics").body();
            assertTrue(
                    metrics.lines().anyMatch(l -> l.matches("magicode_audit_integrity_failures(\\{.*})? [1-9].*")),
                    metrics);
        }
        assertEquals(1, cli("audit", "verify", "--data-dir", dataDir.toString()));
    }

    @Test
    void cleanStopLeavesAFullySignedLogThatTheCliVerifies() throws Exception {
        ApplianceConfig config = ApplianceConfig.load(
                Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0"));
        try (Appliance appliance = Appliance.create(config)) {
            appliance.start();
            appliance.backup(dataDir.resolveSibling(dataDir.getFileName() + "-backup"));
        }
        List<String> lines = auditLines(dataDir);
        assertEquals(
                List.of("secret.create", "appliance.start", "store.backup", "appliance.stop"),
                lines.stream()
                        .map(l -> l.replaceAll(".*\"action\":\"([^\"]+)\".*", "$1"))
                        .toList());
        AuditVerifier.Verification verification = AuditVerifier.verify(dataDir.resolve("audit"), Optional.empty());
        assertTrue(verification.ok(), String.valueOf(verification.problem()));
        assertEquals(0, verification.unsignedTail());
        assertEquals(0, cli("audit", "verify", "--data-dir", dataDir.toString()));
    }
}
