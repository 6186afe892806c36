package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.WebhookConfig;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@code POST /webhooks/github} and the {@code /api/v1/github} routes through the routing, with a test caller filter. */
@RoutingTest
class WebhookRoutesTest {
    static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "X-Test-Tenant";
    private static final String ROLE = "X-Test-Role";
    private static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static ApplianceStore store;
    static WebhookInbox inbox;

    private final DirectClient client;

    WebhookRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        store = ApplianceStore.open(Files.createTempDirectory("magicode-webhook-routes"), List.of());
        Vault vault = Vault.open(store, MasterKeySource.file(store.dataDir()), EVENTS::add);
        Path secretFile = Files.createTempFile("webhook-secret", "");
        Files.write(secretFile, (new String(SECRET, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8));
        WebhookSecret secret = new WebhookSecret(vault);
        secret.importFile(secretFile);
        secret.importFile(secretFile);
        Files.delete(secretFile);
        WebhookConfig config = new WebhookConfig(
                Optional.empty(),
                MAX_BODY,
                2,
                2,
                Duration.ofMillis(10),
                Duration.ofMillis(10),
                Duration.ZERO,
                Duration.ofDays(1),
                Duration.ofDays(7));
        inbox = new WebhookInbox(config, store, EVENTS::add);
        inbox.on("issues", (event, guid, effects) -> {
            if (((GitHubEvent.Issues) event).number() == 666) {
                throw new IllegalStateException("always fails");
            }
        });
        inbox.start();
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers()
                    .first(HeaderNames.create(TENANT))
                    .ifPresent(tenant -> new Caller(
                                    tenant,
                                    "user-" + tenant,
                                    Caller.Kind.USER,
                                    Arrays.stream(req.headers()
                                                    .first(HeaderNames.create(ROLE))
                                                    .orElse("ADMIN")
                                                    .split(","))
                                            .map(Role::valueOf)
                                            .collect(java.util.stream.Collectors.toSet()))
                            .attachTo(req));
            chain.proceed();
        });
        new Problems(1 << 20).map(WebhookException.class, 503).register(routing);
        routing.register("/webhooks", new WebhookRoutes(inbox, secret, MAX_BODY, EVENTS::add));
        routing.register("/api/v1", new InboxRoutes(inbox));
    }

    @AfterAll
    static void close() {
        inbox.close();
        store.close();
    }

    static Map<String, String> headers(String event, String guid, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-GitHub-Event", event);
        headers.put("X-GitHub-Delivery", guid);
        headers.put("X-Hub-Signature-256", WebhookSignature.sign(SECRET, body));
        return headers;
    }

    Http1ClientResponse post(Map<String, String> headers, byte[] body) {
        Http1ClientRequest request = client.method(Method.POST).path("/webhooks/github");
        headers.forEach((name, value) -> request.header(HeaderNames.create(name), value));
        return request.submit(body);
    }

    private static JsonNode answer(Http1ClientResponse response, int status) throws IOException {
        String text = response.entity().hasEntity() ? response.as(String.class) : "";
        assertEquals(status, response.status().code(), text);
        return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
    }

    private JsonNode api(Method method, String path, String tenant, String roles, String body, int status)
            throws IOException {
        Http1ClientRequest request = client.method(method).path(path);
        if (tenant != null) {
            request.header(HeaderNames.create(TENANT), tenant).header(HeaderNames.create(ROLE), roles);
        }
        return answer(body == null ? request.request() : request.submit(body), status);
    }

    private static String guid() {
        return UUID.randomUUID().toString();
    }

    @Test
    void acceptsGitHubsTestVectorSignatureOnAPing() throws IOException {
        byte[] body = "{\"zen\":\"Hello, World!\",\"hook_id\":1}".getBytes(StandardCharsets.UTF_8);
        String guid = guid();
        JsonNode receipt = answer(post(headers("ping", guid, body), body), 202);
        assertEquals("accepted", receipt.path("status").asText());
        assertTrue(inbox.find(guid).isPresent());
        assertEquals(
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                WebhookSignature.sign(SECRET, "Hello, World!".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void rejectsWebhookWithBadSignatureAndStoresNothing() throws IOException {
        byte[] body = WebhookInboxTest.issue(1, 1);
        String guid = guid();
        Map<String, String> headers = headers("issues", guid, body);
        headers.put("X-Hub-Signature-256", WebhookSignature.sign("wrong".getBytes(StandardCharsets.UTF_8), body));
        JsonNode problem = answer(post(headers, body), 401);
        assertFalse(problem.toString().contains("number"), "the problem does not echo the body");
        assertTrue(inbox.find(guid).isEmpty());
        assertTrue(EVENTS.stream()
                .anyMatch(e ->
                        e.action().equals("github.webhook.reject") && e.target().equals(guid)));
    }

    @Test
    void refusesMissingHeadersWith400() throws IOException {
        byte[] body = WebhookInboxTest.issue(1, 1);
        for (String missing : List.of("X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256")) {
            Map<String, String> headers = headers("issues", guid(), body);
            headers.remove(missing);
            JsonNode problem = answer(post(headers, body), 400);
            assertTrue(problem.path("detail").asText().contains(missing), problem.toString());
        }
    }

    @Test
    void acknowledgesUnknownEventsWithoutStoringThem() throws IOException {
        byte[] body = "{\"action\":\"started\"}".getBytes(StandardCharsets.UTF_8);
        String guid = guid();
        assertEquals(
                "ignored",
                answer(post(headers("watch", guid, body), body), 202)
                        .path("status")
                        .asText());
        assertTrue(inbox.find(guid).isEmpty());
    }

    @Test
    void keepsSignedMalformedJsonAsDeadAndAnswers400() throws IOException {
        byte[] body = "{\"action\": ".getBytes(StandardCharsets.UTF_8);
        String guid = guid();
        answer(post(headers("issues", guid, body), body), 400);
        assertEquals(Delivery.State.DEAD, inbox.find(guid).orElseThrow().state());
        JsonNode dead = api(Method.GET, "/api/v1/github/deliveries/dead", "-", "SUPERADMIN", null, 200);
        assertTrue(dead.toString().contains(guid), dead.toString());
    }

    @Test
    void answersARedeliveryOnceStoredWith200() throws IOException {
        byte[] body = WebhookInboxTest.issue(2, 1);
        String guid = guid();
        answer(post(headers("issues", guid, body), body), 202);
        assertEquals(
                "duplicate",
                answer(post(headers("issues", guid, body), body), 200)
                        .path("status")
                        .asText());
    }

    @Test
    void refusesBodiesOverTheLimitWith413() throws IOException {
        byte[] body = new byte[MAX_BODY + 1];
        Arrays.fill(body, (byte) ' ');
        String guid = guid();
        answer(post(headers("issues", guid, body), body), 413);
        assertTrue(inbox.find(guid).isEmpty());
    }

    @Test
    void listsAndReplaysDeadDeliveriesOnlyWithinTheInstallationsTenant() throws Exception {
        inbox.mapInstallation(7, "acme", Actor.system(), "-");
        byte[] body = WebhookInboxTest.issue(3, 666);
        String guid = guid();
        answer(post(headers("issues", guid, body), body), 202);
        WebhookInboxTest.await(() -> inbox.find(guid).orElseThrow().state() == Delivery.State.DEAD);
        assertTrue(api(Method.GET, "/api/v1/github/deliveries/dead", "acme", "ADMIN", null, 200)
                .toString()
                .contains(guid));
        assertFalse(api(Method.GET, "/api/v1/github/deliveries/dead", "other", "ADMIN", null, 200)
                .toString()
                .contains(guid));
        api(Method.GET, "/api/v1/github/deliveries/" + guid, "other", "ADMIN", null, 404);
        api(Method.POST, "/api/v1/github/deliveries/" + guid + "/replay", "other", "ADMIN", null, 404);
        api(Method.POST, "/api/v1/github/deliveries/" + guid + "/replay", "acme", "OPERATOR", null, 403);
        api(Method.GET, "/api/v1/github/deliveries/dead", null, null, null, 401);
        JsonNode replayed =
                api(Method.POST, "/api/v1/github/deliveries/" + guid + "/replay", "acme", "ADMIN", null, 200);
        assertEquals("pending", replayed.path("state").asText());
        WebhookInboxTest.await(() -> inbox.find(guid).orElseThrow().state() == Delivery.State.DEAD);
        assertTrue(EVENTS.stream()
                .anyMatch(e ->
                        e.action().equals("github.webhook.replay") && e.tenant().equals("acme")));
    }

    @Test
    void onlyASuperadminMapsInstallationsAndSeesUnmappedOnes() throws IOException {
        api(Method.PUT, "/api/v1/github/installations/55/tenant", "acme", "ADMIN", "{\"tenant\":\"acme\"}", 403);
        api(Method.PUT, "/api/v1/github/installations/55/tenant", "-", "SUPERADMIN", "{\"tenant\":\"Bad Name\"}", 400);
        api(Method.PUT, "/api/v1/github/installations/x/tenant", "-", "SUPERADMIN", "{\"tenant\":\"acme\"}", 400);
        api(Method.PUT, "/api/v1/github/installations/56/tenant", "-", "SUPERADMIN", "{\"tenant\":\"\"}", 200);
        assertFalse(api(Method.GET, "/api/v1/github/installations", "acme", "ADMIN", null, 200)
                .toString()
                .contains("\"id\":56"));
        assertTrue(api(Method.GET, "/api/v1/github/installations", "-", "SUPERADMIN", null, 200)
                .toString()
                .contains("\"id\":56"));
        JsonNode mapped = api(
                Method.PUT, "/api/v1/github/installations/55/tenant", "-", "SUPERADMIN", "{\"tenant\":\"beta\"}", 200);
        assertEquals("beta", mapped.path("tenant").asText());
        assertTrue(api(Method.GET, "/api/v1/github/installations", "beta", "ADMIN", null, 200)
                .toString()
                .contains("\"id\":55"));
    }

    @Test
    void neverAuditsOrAnswersWithTheSecret() {
        String secret = new String(SECRET, StandardCharsets.UTF_8);
        assertFalse(EVENTS.toString().contains(secret));
        assertTrue(EVENTS.stream().anyMatch(e -> e.action().equals("secret.create")));
        assertEquals(
                1,
                EVENTS.stream().filter(e -> e.action().startsWith("secret.")).count(),
                "importing the same file twice stores one version");
        assertTrue(Set.of(WebhookSecret.NAME).contains("github.webhook-secret"));
    }

    @Test
    void neverAnswers5xxToMutatedDeliveriesSignedOrNot() {
        List<WebhookExamples.Example> examples = WebhookExamples.all();
        WebhookMutations mutations = new WebhookMutations(7);
        java.util.Random random = new java.util.Random(7);
        Set<Integer> allowed = Set.of(200, 202, 400, 401, 413);
        for (int round = 0; round < 300; round++) {
            WebhookExamples.Example example = examples.get(random.nextInt(examples.size()));
            byte[] body = mutations.mutate(example.body());
            Map<String, String> headers = headers(example.event(), guid(), body);
            if (random.nextInt(4) == 0) {
                headers.put(
                        "X-Hub-Signature-256",
                        new String(
                                mutations.mutate(
                                        headers.get("X-Hub-Signature-256").getBytes(StandardCharsets.US_ASCII)),
                                StandardCharsets.ISO_8859_1));
            }
            if (random.nextInt(8) == 0) {
                headers.put("X-GitHub-Event", "x" + random.nextInt());
            }
            try (Http1ClientResponse response = post(headers, body)) {
                int status = response.status().code();
                assertTrue(allowed.contains(status), "round " + round + " (" + example + "): " + status);
            } catch (IllegalArgumentException e) {
                // the client refuses to send a header value with control characters: nothing reached the server
            }
        }
    }
}
