package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity without a reachable OIDC provider: the appliance starts and stays ready (reporting the
 * provider), first-run setup, break-glass login with a session cookie and CSRF, API tokens, and turning
 * local login off.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalIdentityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    static Path dataDir;

    private static Appliance appliance;
    private static URI base;
    private static String session;
    private static String csrf;

    @BeforeAll
    static void start() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MAGICODE_DATA_DIR", dataDir.toString());
        env.put("MAGICODE_SERVER_PORT", "0");
        env.put("MAGICODE_SERVER_HOST", "127.0.0.1");
        env.put("MAGICODE_AUTH_ISSUER", "http://127.0.0.1:" + closedPort + "/realms/gone");
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env));
        WebServer server = appliance.start();
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void staysReadyAndReportsTheUnreachableProvider() throws Exception {
        HttpResponse<String> ready = send("GET", "/observe/health/ready", Map.of(), null);
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode oidc = null;
        for (JsonNode check : JSON.readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("oidc")) {
                oidc = check;
            }
        }
        assertTrue(oidc != null, ready.body());
        assertEquals("UP", oidc.path("status").asText());
        assertEquals(false, oidc.path("data").path("available").asBoolean(true), ready.body());
        assertTrue(send("GET", "/observe/metrics", Map.of(), null).body().contains("auth_oidc_available"));
    }

    @Test
    @Order(2)
    void refusesBadSetupTokenWithoutBurningTheRealOne() throws Exception {
        HttpResponse<String> wrong = send("POST", "/api/v1/setup", Map.of(), setup("not-the-token", "acme"));
        assertEquals(403, wrong.statusCode());
        HttpResponse<String> badTenant = send("POST", "/api/v1/setup", Map.of(), setup(setupToken(), "Not Valid"));
        assertEquals(400, badTenant.statusCode());
        assertTrue(Files.exists(dataDir.resolve("setup-token")), "a bad request must not consume the token");
    }

    @Test
    @Order(3)
    void setupCreatesTheAdminOnceAndVoidsTheToken() throws Exception {
        String token = setupToken();
        assertEquals(
                201,
                send("POST", "/api/v1/setup", Map.of(), setup(token, "acme")).statusCode());
        assertEquals(
                403,
                send("POST", "/api/v1/setup", Map.of(), setup(token, "acme")).statusCode());
    }

    @Test
    @Order(4)
    void breakGlassLoginSetsAStrictHttpOnlySessionCookie() throws Exception {
        HttpResponse<String> wrong =
                send("POST", "/api/v1/auth/login", Map.of(), Map.of("username", "admin", "password", "nope"));
        assertEquals(401, wrong.statusCode());
        assertEquals(
                "application/problem+json",
                wrong.headers().firstValue("Content-Type").orElse(""));
        HttpResponse<String> login =
                send("POST", "/api/v1/auth/login", Map.of(), Map.of("username", "admin", "password", PASSWORD));
        assertEquals(200, login.statusCode(), login.body());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"), cookie);
        assertFalse(cookie.contains("Secure"), "no TLS here, so no Secure flag: " + cookie);
        session = cookie.substring(0, cookie.indexOf(';'));
        JsonNode body = JSON.readTree(login.body());
        csrf = body.path("csrfToken").asText();
        assertEquals("acme", body.path("tenant").asText());
        assertEquals(List.of("superadmin", "admin"), JSON.convertValue(body.path("roles"), List.class));
    }

    @Test
    @Order(5)
    void cookieCallsNeedTheCsrfTokenToChangeState() throws Exception {
        assertEquals(
                200,
                send("GET", "/api/v1/auth/me", Map.of("Cookie", session), null).statusCode());
        Map<String, Object> token = Map.of("name", "ci");
        assertEquals(
                403,
                send("POST", "/api/v1/tokens", Map.of("Cookie", session), token).statusCode());
        assertEquals(
                403,
                send("POST", "/api/v1/tokens", Map.of("Cookie", session, "X-CSRF-Token", "forged"), token)
                        .statusCode());
        assertEquals(
                201,
                send("POST", "/api/v1/tokens", Map.of("Cookie", session, "X-CSRF-Token", csrf), token)
                        .statusCode());
    }

    @Test
    @Order(6)
    void apiTokenIsShownOnceScopedAndRevocable() throws Exception {
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/tokens",
                Map.of("Cookie", session, "X-CSRF-Token", csrf),
                Map.of("name", "deploy", "kind", "service", "scopes", List.of("operator"), "expiresInDays", 7));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode token = JSON.readTree(created.body());
        String secret = token.path("token").asText();
        assertTrue(secret.startsWith("mgc_"));
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + secret);

        JsonNode me = JSON.readTree(send("GET", "/api/v1/auth/me", bearer, null).body());
        assertEquals("[\"operator\"]", me.path("roles").toString());
        assertEquals("api_token", me.path("kind").asText());
        assertEquals(403, send("GET", "/api/v1/tenants", bearer, null).statusCode(), "scopes limit the token");
        assertEquals(
                403, send("POST", "/api/v1/tokens", bearer, Map.of("name", "x")).statusCode());

        String listed =
                send("GET", "/api/v1/tokens", Map.of("Cookie", session), null).body();
        assertFalse(listed.contains(secret), "a token is shown once, never listed");
        assertTrue(listed.contains("\"lastUsedAt\":\""), listed);

        assertEquals(
                204,
                send(
                                "DELETE",
                                "/api/v1/tokens/" + token.path("id").asText(),
                                Map.of("Cookie", session, "X-CSRF-Token", csrf),
                                null)
                        .statusCode());
        HttpResponse<String> revoked = send("GET", "/api/v1/auth/me", bearer, null);
        assertEquals(401, revoked.statusCode());
        assertFalse(revoked.body().contains(secret));
    }

    @Test
    @Order(7)
    void refusesJwtWhileTheProviderIsDownAndMalformedCredentials() throws Exception {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        for (Map<String, String> headers : List.of(
                Map.of("Authorization", "Bearer " + jwt),
                Map.of("Authorization", "Basic YWRtaW46YWRtaW4="),
                Map.of("Authorization", "Bearer mgc_forged"),
                Map.of("Cookie", "magicode_session=forged-session-id"))) {
            HttpResponse<String> response = send("GET", "/api/v1/auth/me", headers, null);
            assertEquals(401, response.statusCode(), headers.toString());
            assertEquals(
                    "application/problem+json",
                    response.headers().firstValue("Content-Type").orElse(""));
            assertFalse(response.body().contains("forged") || response.body().contains(jwt), response.body());
        }
        assertEquals(503, send("GET", "/auth/login", Map.of(), null).statusCode());
    }

    @Test
    @Order(8)
    void superadminTurnsLocalLoginOff() throws Exception {
        HttpResponse<String> off = send(
                "PUT",
                "/api/v1/auth/local-login",
                Map.of("Cookie", session, "X-CSRF-Token", csrf),
                Map.of("enabled", false));
        assertEquals(200, off.statusCode(), off.body());
        HttpResponse<String> login =
                send("POST", "/api/v1/auth/login", Map.of(), Map.of("username", "admin", "password", PASSWORD));
        assertEquals(403, login.statusCode());
    }

    private static Map<String, Object> setup(String token, String tenant) {
        return Map.of("token", token, "username", "admin", "password", PASSWORD, "tenant", tenant);
    }

    private static String setupToken() throws Exception {
        return Files.readString(dataDir.resolve("setup-token")).trim();
    }

    private static HttpResponse<String> send(String method, String path, Map<String, String> headers, Object body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
