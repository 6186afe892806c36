package ai.magicode.appliance.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The secrets API through the routing, with a test filter standing in for authentication. */
@RoutingTest
class SecretsRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "X-Test-Tenant";
    private static final String ROLE = "X-Test-Role";
    private static final String VALUE = "routes-canary-4f1e-value";
    private static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static ApplianceStore store;

    private final DirectClient client;
    private final List<String> answers = new ArrayList<>();

    SecretsRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        store = ApplianceStore.open(Files.createTempDirectory("magicode-secrets-routes"), List.of());
        Vault vault = Vault.open(store, MasterKeySource.file(store.dataDir()), EVENTS::add);
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers()
                    .first(HeaderNames.create(TENANT))
                    .ifPresent(tenant -> new Caller(
                                    tenant,
                                    "user-" + tenant,
                                    Caller.Kind.USER,
                                    Set.of(Role.valueOf(req.headers()
                                            .first(HeaderNames.create(ROLE))
                                            .orElse("ADMIN"))))
                            .attachTo(req));
            chain.proceed();
        });
        new Problems(1 << 20).register(routing);
        routing.register("/api/v1", new SecretsRoutes(vault));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    /** Whatever a test did, no answer carried the value, in any encoding. */
    @AfterEach
    void noAnswerCarriedTheValue() {
        byte[] value = VALUE.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (String answer : answers) {
            for (String form : List.of(
                    VALUE,
                    Base64.getEncoder().encodeToString(value),
                    HexFormat.of().formatHex(value))) {
                assertFalse(answer.contains(form), answer);
            }
        }
        assertFalse(EVENTS.toString().contains(VALUE), EVENTS.toString());
    }

    private Http1ClientResponse call(Method method, String path, String tenant, String role, String body) {
        Http1ClientRequest request = client.method(method).path(path);
        if (tenant != null) {
            request.header(HeaderNames.create(TENANT), tenant);
            request.header(HeaderNames.create(ROLE), role);
        }
        Http1ClientResponse response = body == null ? request.request() : request.submit(body);
        return response;
    }

    private JsonNode answer(Http1ClientResponse response, int status) throws IOException {
        String text = response.entity().hasEntity() ? response.as(String.class) : "";
        answers.add(response.headers() + "\n" + text);
        assertEquals(status, response.status().code(), text);
        return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
    }

    private JsonNode admin(Method method, String path, String tenant, String body, int status) throws IOException {
        return answer(call(method, path, tenant, "ADMIN", body), status);
    }

    private static String body(String value) {
        return "{\"value\":\"" + value + "\"}";
    }

    @Test
    void everyRouteAnswers401WithoutACaller() throws IOException {
        answer(call(Method.GET, "/api/v1/secrets", null, null, null), 401);
        answer(call(Method.PUT, "/api/v1/secrets/x", null, null, body(VALUE)), 401);
        answer(call(Method.DELETE, "/api/v1/secrets/x", null, null, null), 401);
        answer(call(Method.POST, "/api/v1/secrets/x/prune", null, null, null), 401);
    }

    @Test
    void nonAdminsAreRefused() throws IOException {
        for (String role : List.of("OPERATOR", "AUDITOR", "MEMBER")) {
            answer(call(Method.PUT, "/api/v1/secrets/x", "t-roles", role, body(VALUE)), 403);
            answer(call(Method.GET, "/api/v1/secrets", "t-roles", role, null), 403);
        }
    }

    @Test
    void createsReplacesListsPrunesAndDeletesWithoutEverReturningTheValue() throws IOException {
        JsonNode created = admin(Method.PUT, "/api/v1/secrets/github.key", "t-life", body(VALUE), 201);
        assertEquals("github.key", created.path("name").asText());
        assertEquals(1, created.path("version").asInt());
        assertEquals(16, created.path("fingerprint").asText().length());
        assertFalse(created.has("rotated"));

        JsonNode replaced = admin(Method.PUT, "/api/v1/secrets/github.key", "t-life", body(VALUE + "-2"), 200);
        assertEquals(2, replaced.path("version").asInt());
        assertTrue(replaced.has("rotated"));

        JsonNode list = admin(Method.GET, "/api/v1/secrets", "t-life", null, 200);
        assertEquals(1, list.path("secrets").size());
        assertEquals(2, list.path("secrets").get(0).path("versions").asInt());

        JsonNode pruned = admin(Method.POST, "/api/v1/secrets/github.key/prune", "t-life", null, 200);
        assertEquals(1, pruned.path("removedVersions").asInt());
        assertEquals(1, pruned.path("versions").asInt());

        admin(Method.DELETE, "/api/v1/secrets/github.key", "t-life", null, 204);
        admin(Method.DELETE, "/api/v1/secrets/github.key", "t-life", null, 404);
        admin(Method.POST, "/api/v1/secrets/github.key/prune", "t-life", null, 404);
        assertEquals(
                0,
                admin(Method.GET, "/api/v1/secrets", "t-life", null, 200)
                        .path("secrets")
                        .size());
        assertTrue(EVENTS.stream()
                .anyMatch(e -> e.action().equals("secret.delete") && e.tenant().equals("t-life")));
    }

    @Test
    void aTenantNeverSeesOrChangesAnotherTenantsSecrets() throws IOException {
        admin(Method.PUT, "/api/v1/secrets/shared", "t-a", body(VALUE), 201);
        assertEquals(
                0,
                admin(Method.GET, "/api/v1/secrets", "t-b", null, 200)
                        .path("secrets")
                        .size());
        admin(Method.DELETE, "/api/v1/secrets/shared", "t-b", null, 404);
        admin(Method.POST, "/api/v1/secrets/shared/prune", "t-b", null, 404);
        // Tenant B's own secret of the same name is separate: a create, not a replace.
        admin(Method.PUT, "/api/v1/secrets/shared", "t-b", body("other"), 201);
        assertEquals(
                1,
                admin(Method.GET, "/api/v1/secrets", "t-a", null, 200)
                        .path("secrets")
                        .get(0)
                        .path("version")
                        .asInt());
    }

    @Test
    void refusesBadInputWithProblemsThatDoNotQuoteTheBody() throws IOException {
        for (String name : List.of("Upper", "-lead", "x".repeat(101), "sp%20ace")) {
            JsonNode problem = admin(Method.PUT, "/api/v1/secrets/" + name, "t-bad", body(VALUE), 400);
            assertTrue(problem.path("detail").asText().contains("secret name"), problem.toString());
        }
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", "{\"value\": \"" + VALUE, 400);
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", "{\"other\": \"" + VALUE + "\"}", 400);
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", "{\"value\": 42}", 400);
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", body(""), 400);
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", null, 400);
        JsonNode tooLarge =
                admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", body("v".repeat(Vault.MAX_VALUE_BYTES + 1)), 400);
        assertTrue(tooLarge.path("detail").asText().contains("65536"), tooLarge.toString());
        admin(Method.PUT, "/api/v1/secrets/ok", "t-bad", body("v".repeat(Vault.MAX_VALUE_BYTES)), 201);
        assertEquals(
                1,
                admin(Method.GET, "/api/v1/secrets", "t-bad", null, 200)
                        .path("secrets")
                        .size());
    }
}
