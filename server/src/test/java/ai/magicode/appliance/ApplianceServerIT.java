package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The appliance's HTTP surface in-process, on a real listener with a real store in a temp dir. */
@ServerTest
class ApplianceServerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Appliance appliance;

    private final HttpClient client = HttpClient.newHttpClient();
    private final URI base;

    ApplianceServerIT(WebServer server) {
        this.base = URI.create("http://localhost:" + server.port());
    }

    @SetUpServer
    static void server(WebServerConfig.Builder server) throws IOException {
        Path dataDir = Files.createTempDirectory("magicode-server-it");
        appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of(
                        "MAGICODE_DATA_DIR", dataDir.toString(),
                        "MAGICODE_PORT", "0",
                        "MAGICODE_SERVER_MAX_REQUEST_BYTES", "4096")));
        appliance.configure(server);
        server.routing(routing -> {
            appliance.routing(routing);
            routing.get("/test/boom", (req, res) -> {
                throw new IllegalStateException("sensitive internal detail");
            });
        });
    }

    @AfterAll
    static void close() {
        appliance.close();
    }

    @Test
    void answersVersion() throws Exception {
        HttpResponse<String> response = get("/api/v1/version");
        assertEquals(200, response.statusCode());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(Appliance.version(), body.path("version").asText());
        assertFalse(body.path("version").asText().contains("${"), "version resource was not filtered");
    }

    @Test
    void unknownPathIsProblemJsonWithRequestId() throws Exception {
        HttpResponse<String> response = get("/api/v1/nothing-here");
        assertEquals(404, response.statusCode());
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(404, problem.path("status").asInt());
        assertEquals(
                response.headers().firstValue("X-Request-Id").orElseThrow(),
                problem.path("requestId").asText());
    }

    @Test
    void keepsWellFormedCallerRequestIdAndReplacesOthers() throws Exception {
        HttpResponse<String> kept =
                send(HttpRequest.newBuilder(base.resolve("/api/v1/version")).header("X-Request-Id", "abc-123"));
        assertEquals("abc-123", kept.headers().firstValue("X-Request-Id").orElseThrow());
        HttpResponse<String> replaced =
                send(HttpRequest.newBuilder(base.resolve("/api/v1/version")).header("X-Request-Id", "<script>"));
        assertFalse(replaced.headers().firstValue("X-Request-Id").orElseThrow().contains("<"));
    }

    @Test
    void internalErrorHidesDetailsAndStackTrace() throws Exception {
        HttpResponse<String> response = get("/test/boom");
        assertEquals(500, response.statusCode());
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""));
        assertFalse(response.body().contains("sensitive internal detail"), response.body());
        assertFalse(response.body().contains("at ai.magicode"), response.body());
        assertFalse(response.body().contains("Exception"), response.body());
    }

    @Test
    void sendsSecurityHeaders() throws Exception {
        HttpResponse<String> response = get("/api/v1/version");
        assertEquals(
                "nosniff",
                response.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("DENY", response.headers().firstValue("X-Frame-Options").orElse(""));
        assertEquals(
                "no-referrer", response.headers().firstValue("Referrer-Policy").orElse(""));
        assertTrue(response.headers()
                .firstValue("Content-Security-Policy")
                .orElse("")
                .contains("frame-ancestors 'none'"));
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""));
    }

    @Test
    void oversizedBodyIs413ProblemJson() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/api/v1/version"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))));
        assertEquals(413, response.statusCode());
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(JSON.readTree(response.body()).path("detail").asText().contains("4096"), response.body());
    }

    @Test
    void malformedRequestLineIs400ProblemJsonNeverA500() throws Exception {
        String raw = rawExchange("GET /api/v1/version HTTP/1.1 extra\r\nHost: x\r\n\r\n");
        assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
        assertTrue(raw.contains("application/problem+json"), raw);
        assertFalse(raw.contains("Exception"), raw);
    }

    @Test
    void garbageHeaderIs400ProblemJson() throws Exception {
        String raw = rawExchange("GET /api/v1/version HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n");
        assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
        assertTrue(raw.contains("application/problem+json"), raw);
    }

    @Test
    void methodNotAllowedOrNotFoundIsProblemJson() throws Exception {
        HttpResponse<String> response =
                send(HttpRequest.newBuilder(base.resolve("/api/v1/version")).DELETE());
        assertTrue(
                response.statusCode() == 404 || response.statusCode() == 405, () -> "status " + response.statusCode());
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void readinessReportsStoreAndDisk() throws Exception {
        HttpResponse<String> response = get("/observe/health/ready");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode health = JSON.readTree(response.body());
        assertEquals("UP", health.path("status").asText());
        assertTrue(response.body().contains("store") && response.body().contains("disk"), response.body());
    }

    @Test
    void livenessAnswers() throws Exception {
        HttpResponse<String> response = get("/observe/health/live");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("UP", JSON.readTree(response.body()).path("status").asText());
    }

    @Test
    void metricsArePrometheusTextWithHttpAndJvmMeters() throws Exception {
        get("/api/v1/version");
        HttpResponse<String> response = get("/observe/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(response.body().contains("http_server_requests_seconds_count{"), response.body());
        assertTrue(response.body().contains("area=\"api\""), response.body());
        assertTrue(response.body().contains("memory_"), "no JVM memory meters");
    }

    @Test
    void servesOpenApiDescription() throws Exception {
        HttpResponse<String> response = get("/openapi");
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("/api/v1/version"), response.body());
    }

    @Test
    void finishesInFlightRequestOnShutdown() throws Exception {
        Path dataDir = Files.createTempDirectory("magicode-shutdown-it");
        Appliance own = Appliance.create(ApplianceConfig.load(
                Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0")));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WebServer server = own.start(routing -> routing.get("/test/slow", (req, res) -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            res.send("finished");
        }));
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/test/slow"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(entered.await(30, TimeUnit.SECONDS), "request never reached the handler");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(own::close);
        release.countDown();
        HttpResponse<String> response = inFlight.get(30, TimeUnit.SECONDS);
        closing.get(30, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals("finished", response.body());
        assertFalse(server.isRunning());
    }

    private String rawExchange(String request) throws IOException {
        try (Socket socket = new Socket("localhost", base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
