package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.Outcome;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything identity does that matters afterwards reaches the audit consumer, without secrets. */
class IdentityAuditIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "a long enough password";

    @TempDir
    Path dataDir;

    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private URI base;

    @Test
    void auditsSetupLoginsTokensTenantsAndRefusals() throws Exception {
        ApplianceConfig config =
                ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString()));
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            SetupToken setupToken = SetupToken.create(store);
            Identity identity = new Identity(config.auth(), store, setupToken, Optional.empty(), false, events::add);
            WebServer server = WebServer.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .routing(routing -> {
                        routing.addFilter(new RequestIds()).addFilter(identity.filter());
                        new Problems(1 << 20).map(AuthException.class, 401).register(routing);
                        routing.register("/api/v1", identity.api());
                    })
                    .build()
                    .start();
            base = URI.create("http://127.0.0.1:" + server.port());
            try {
                String token = Files.readString(dataDir.resolve("setup-token")).trim();
                post(
                        "/api/v1/setup",
                        null,
                        Map.of("token", token, "username", "admin", "password", PASSWORD, "tenant", "acme"));
                post("/api/v1/auth/login", null, Map.of("username", "admin", "password", "wrong password"));
                HttpResponse<String> login =
                        post("/api/v1/auth/login", null, Map.of("username", "admin", "password", PASSWORD));
                String cookie =
                        login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                String csrf = JSON.readTree(login.body()).path("csrfToken").asText();
                Map<String, String> session = Map.of("Cookie", cookie, "X-CSRF-Token", csrf);
                String secret = JSON.readTree(post("/api/v1/tokens", session, Map.of("name", "ci"))
                                .body())
                        .path("token")
                        .asText();
                post("/api/v1/tenants", session, Map.of("name", "globex"));
                String id = JSON.readTree(
                                send("GET", "/api/v1/tokens", session, null).body())
                        .path("tokens")
                        .get(0)
                        .path("id")
                        .asText();
                send("DELETE", "/api/v1/tokens/" + id, session, null);
                send("GET", "/api/v1/auth/me", Map.of("Authorization", "Bearer " + secret), null);

                assertEquals(
                        List.of(
                                "auth.setup SUCCESS",
                                "auth.login.local FAILURE",
                                "auth.login.local SUCCESS",
                                "auth.token.create SUCCESS",
                                "auth.tenant.create SUCCESS",
                                "auth.token.revoke SUCCESS",
                                "auth.authenticate DENIED"),
                        events.stream().map(e -> e.action() + " " + e.outcome()).toList());
                assertEquals("acme", events.get(3).tenant());
                assertEquals("revoked", events.get(6).fields().get("reason"));
                assertEquals(Outcome.DENIED, events.getLast().outcome());
                for (AuditEvent event : events) {
                    assertFalse(event.toString().contains(PASSWORD), event.toString());
                    assertFalse(event.toString().contains(secret), event.toString());
                    assertFalse(event.toString().contains(token), event.toString());
                }
            } finally {
                server.stop();
            }
        }
    }

    private HttpResponse<String> post(String path, Map<String, String> headers, Object body) throws Exception {
        return send("POST", path, headers, body);
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> headers, Object body)
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
        if (headers != null) {
            headers.forEach(request::header);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
