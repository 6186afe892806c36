package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The manifest flow's routes, completing the conversion against the GHES simulator. */
@RoutingTest
class GitHubRoutesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE = "X-Test-Role";
    private static GhesSimulator ghes;
    private static GitHubHarness harness;

    private final DirectClient client;

    GitHubRoutesIT(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        ghes = GhesSimulator.start();
        harness = new GitHubHarness(ghes, Files.createTempDirectory("magicode-github-routes"));
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers()
                    .first(HeaderNames.create(ROLE))
                    .ifPresent(role ->
                            new Caller("-", "root", Caller.Kind.USER, Set.of(Role.valueOf(role))).attachTo(req));
            chain.proceed();
        });
        new Problems(1 << 20).map(GitHubException.class, 502).register(routing);
        routing.register(
                "/api/v1",
                new GitHubRoutes(
                        harness.github,
                        harness.app,
                        harness.vault,
                        () -> URI.create("https://magicode.example.com/"),
                        harness.audit::add));
    }

    @AfterAll
    static void stop() {
        harness.close();
        ghes.close();
    }

    @Test
    void answersALeastPrivilegeManifestToSuperadminsOnly() throws Exception {
        JsonNode body = get("/api/v1/github/app-manifest?organization=acme", "SUPERADMIN", 200);
        JsonNode manifest = body.path("manifest");
        assertEquals(
                Map.of(
                        "metadata", "read",
                        "contents", "write",
                        "pull_requests", "write",
                        "issues", "write",
                        "checks", "read"),
                JSON.convertValue(manifest.path("default_permissions"), Map.class));
        assertFalse(manifest.path("default_permissions").has("workflows"));
        assertFalse(manifest.path("default_permissions").has("administration"));
        assertEquals(
                "https://magicode.example.com/webhooks/github",
                manifest.path("hook_attributes").path("url").asText());
        assertEquals(
                "https://magicode.example.com/setup/github-app",
                manifest.path("redirect_url").asText());
        assertTrue(manifest.path("default_events").toString().contains("pull_request_review_thread"));
        String state = body.path("state").asText();
        assertTrue(state.length() >= 32);
        assertTrue(body.path("createUrl").asText().endsWith("/organizations/acme/settings/apps/new?state=" + state));
        assertEquals(
                "read",
                get("/api/v1/github/app-manifest?actions-read=true", "SUPERADMIN", 200)
                        .path("manifest")
                        .path("default_permissions")
                        .path("actions")
                        .asText());
        get("/api/v1/github/app-manifest", "ADMIN", 403);
    }

    @Test
    void completesTheConversionIntoTheVaultWithAValidStateOnly() throws Exception {
        String pem = AppKeys.generate().pkcs1Pem();
        ghes.withManifestCode("code-1", pem);
        get("/api/v1/github/app-manifest/callback?code=code-1&state=forged", "SUPERADMIN", 400);
        assertTrue(harness.vault.info("-", GitHubApp.WEBHOOK_SECRET).isEmpty(), "nothing stored for a forged state");
        String state = get("/api/v1/github/app-manifest", "SUPERADMIN", 200)
                .path("state")
                .asText();
        Http1ClientResponse response = request(
                "/api/v1/github/app-manifest/callback?code=code-1&state="
                        + URLEncoder.encode(state, StandardCharsets.UTF_8),
                "SUPERADMIN");
        String text = response.as(String.class);
        assertEquals(200, response.status().code(), text);
        long appId = JSON.readTree(text).path("appId").asLong();
        assertTrue(appId > 0);
        String webhookSecret =
                new String(harness.vault.read("-", GitHubApp.WEBHOOK_SECRET).orElseThrow());
        assertEquals(
                pem,
                new String(harness.vault.read("-", GitHubApp.PRIVATE_KEY_SECRET).orElseThrow()));
        assertFalse(text.contains(webhookSecret));
        assertFalse(text.contains("PRIVATE KEY"));
        List<AuditEvent> registered = harness.audited("github.app.register");
        assertEquals(1, registered.size());
        for (AuditEvent event : harness.audit) {
            assertFalse(event.toString().contains(webhookSecret), event.toString());
        }
        // The state is single-use.
        get("/api/v1/github/app-manifest/callback?code=code-1&state=" + state, "SUPERADMIN", 400);
        assertEquals(List.of(), ghes.violations());
    }

    private JsonNode get(String pathAndQuery, String role, int status) throws IOException {
        Http1ClientResponse response = request(pathAndQuery, role);
        String text = response.as(String.class);
        assertEquals(status, response.status().code(), text);
        return JSON.readTree(text);
    }

    /** The direct client takes query parameters separately. */
    private Http1ClientResponse request(String pathAndQuery, String role) {
        String[] parts = pathAndQuery.split("\\?", 2);
        var request = client.get(parts[0]).header(HeaderNames.create(ROLE), role);
        if (parts.length == 2) {
            for (String pair : parts[1].split("&")) {
                String[] kv = pair.split("=", 2);
                request.queryParam(kv[0], java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return request.request();
    }
}
