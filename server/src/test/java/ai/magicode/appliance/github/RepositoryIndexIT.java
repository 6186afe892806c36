package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.ApiSession;
import ai.magicode.appliance.Appliance;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.llm.ProviderDouble;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At startup the appliance asks GitHub to redeliver what it missed: the simulator delivers the App's installation
 * while the appliance is down, and redelivers it when the appliance's recovery asks. A repository the installation
 * reports, mapped to a tenant, is indexed through the API: the appliance fetches it over Git smart HTTP from the GHES
 * simulator with an installation token, and searches it.
 */
class RepositoryIndexIT {
    private static final long INSTALLATION = 77;
    private static final String SECRET = "index-test-webhook-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private URI base;
    private GitFixture origin;
    private ApiSession api;

    @AfterEach
    void closeOrigin() {
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void aMirroredRepositoryIsFetchedIndexedAndSearchedWithinItsTenant() throws Exception {
        try (GhesSimulator ghes = simulator()) {
            long repoId = ghes.repo("acme/shop").id;
            // The App is installed while the appliance is down: GitHub's delivery fails to connect.
            int port = GhesWebhooksIT.freePort();
            ghes.withWebhook(URI.create("http://127.0.0.1:" + port + "/webhooks/github"), SECRET);
            String guid = ghes.installed(INSTALLATION);
            GhesWebhooksIT.await(
                    "the failed attempt is listed", () -> !ghes.hookDeliveries().isEmpty());
            assertEquals(0, ghes.hookDeliveries().getFirst().path("status_code").asInt());
            try (Appliance appliance =
                    start(ghes, Map.of("MAGICODE_INDEX_EMBEDDINGS", "none", "MAGICODE_PORT", String.valueOf(port)))) {
                GhesWebhooksIT.await(
                        "the missed installation is redelivered and mirrored",
                        () -> appliance.webhooks().find(guid).isPresent());
                assertEquals(1, ghes.redeliveryRequests().size(), "the missed delivery is asked for once");
                assertEquals(
                        404,
                        call("GET", "/api/v1/repos/" + repoId + "/index", null).statusCode());
                awaitJson(
                        "/api/v1/github/installations", json -> json.toString().contains("acme/shop"));
                assertEquals(
                        202,
                        ghes.hookDeliveries().getFirst().path("status_code").asInt(),
                        "the redelivery was accepted: " + ghes.hookDeliveries());
                JsonNode ready = mapAndIndex(repoId);
                assertEquals("ready", ready.path("state").asText(), ready.toString());
                assertEquals(2, ready.path("filesTotal").asInt(), ready.toString());
                assertEquals("src/billing/InvoiceCalculator.java", topHit(repoId, "tax%20total%20of%20an%20invoice"));
                assertTrue(
                        ghes.requests().stream().anyMatch(r -> r.path().contains("/access_tokens")),
                        "the fetch used an installation token");
                assertEquals(
                        404, call("GET", "/api/v1/repos/999999/index", null).statusCode());
            }
        }
    }

    /**
     * A push to the default branch of an indexed repository updates its index to the pushed commit without anyone
     * asking; a push to another branch does not.
     */
    @Test
    void aPushToTheDefaultBranchUpdatesTheIndex() throws Exception {
        try (GhesSimulator ghes = simulator()) {
            long repoId = ghes.repo("acme/shop").id;
            try (Appliance appliance = start(ghes, Map.of("MAGICODE_INDEX_EMBEDDINGS", "none"))) {
                JsonNode ready = mirrorMapAndIndex(repoId);
                assertEquals("ready", ready.path("state").asText(), ready.toString());
                String before = ready.path("commit").asText();
                origin.file("src/shipping/ParcelRouter.java", "class ParcelRouter { void chooseCarrier() {} }");
                String after = origin.commit("second");
                String topic = push(repoId, "refs/heads/topic", before, after);
                awaitJson(
                        "/api/v1/github/deliveries/" + topic,
                        json -> json.path("state").asText().equals("processed"));
                assertEquals(
                        1, auditEntries("index.update").size(), "a push to another branch leaves the index as it is");
                int fetches = ghes.gitRequests().size();
                push(repoId, "refs/heads/main", before, after);
                JsonNode updated = awaitJson(
                        "/api/v1/repos/" + repoId + "/index",
                        json -> json.path("state").asText().equals("ready")
                                && json.path("commit").asText().equals(after));
                assertEquals("src/shipping/ParcelRouter.java", topHit(repoId, "choose%20carrier"));
                // The pushed commit was read through the API (its tree, then the one new blob), not fetched.
                assertEquals(fetches, ghes.gitRequests().size(), "no Git fetch for a one-file push");
                List<String> read = ghes.requests().stream()
                        .map(r -> r.method() + " " + r.path())
                        .filter(r -> r.contains("/git/"))
                        .toList();
                assertEquals(
                        List.of(
                                "GET /api/v3/repos/acme/shop/git/trees/" + after,
                                "GET /api/v3/repos/acme/shop/git/blobs/"
                                        + blob(after, "src/shipping/ParcelRouter.java")),
                        read);
                assertEquals(2, auditEntries("index.update").size(), "the first index and the push's: " + updated);
            }
        }
    }

    private String blob(String commit, String path) throws Exception {
        try (ai.magicode.appliance.git.GitRepository repository =
                ai.magicode.appliance.git.GitRepository.open(dir.resolve("shop.git"))) {
            return repository.snapshot(commit, Long.MAX_VALUE).files().stream()
                    .filter(f -> f.path().equals(path))
                    .findFirst()
                    .orElseThrow()
                    .blobId();
        }
    }

    private JsonNode auditEntries(String action) throws Exception {
        HttpResponse<String> response = call("GET", "/api/v1/audit?action=" + action, null);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body()).path("entries");
    }

    /** Delivers a push event; its delivery guid. */
    private String push(long repoId, String ref, String before, String after) throws Exception {
        String guid = java.util.UUID.randomUUID().toString();
        HttpResponse<String> delivered = deliver(
                guid,
                "push",
                "{\"ref\":\"" + ref + "\",\"before\":\"" + before + "\",\"after\":\"" + after + "\","
                        + "\"created\":false,\"deleted\":false,\"forced\":false,\"commits\":[],"
                        + "\"repository\":{\"id\":" + repoId + ",\"full_name\":\"acme/shop\","
                        + "\"default_branch\":\"main\"},\"installation\":{\"id\":" + INSTALLATION + "},"
                        + "\"sender\":{\"login\":\"octocat\"}}");
        assertEquals(202, delivered.statusCode(), delivered.body());
        return guid;
    }

    /**
     * With {@code index.embeddings: provider}, the chunks go to the local Ollama embedding model the built-in
     * local-only policy allows; a policy that keeps the code from every embedding model fails the update with its
     * rule, and nothing reaches the provider.
     */
    @Test
    void providerEmbeddingsFollowTheRoutingPolicy() throws Exception {
        try (GhesSimulator ghes = simulator();
                ProviderDouble ollama = ProviderDouble.start(ProviderDouble.Protocol.OLLAMA)) {
            long repoId = ghes.repo("acme/shop").id;
            try (Appliance appliance = start(
                    ghes,
                    Map.of(
                            "MAGICODE_INDEX_EMBEDDINGS", "provider",
                            "MAGICODE_INDEX_EMBEDDING_MODEL", "ollama/nomic-embed-text",
                            "MAGICODE_INDEX_EMBEDDING_DIMENSION", String.valueOf(ProviderDouble.EMBEDDING_DIMENSION),
                            "MAGICODE_LLM_OLLAMA_ENABLED", "true",
                            "MAGICODE_LLM_OLLAMA_BASE_URL", ollama.baseUrl()))) {
                JsonNode ready = mirrorMapAndIndex(repoId);
                assertEquals("ready", ready.path("state").asText(), ready.toString());
                assertTrue(
                        ollama.received().stream().anyMatch(r -> r.path().equals("/api/embed")),
                        "the chunks were embedded by the local model");
                assertEquals("src/billing/InvoiceCalculator.java", topHit(repoId, "tax%20total%20of%20an%20invoice"));

                HttpResponse<String> denied = call(
                        "PUT",
                        "/api/v1/llm/policy",
                        Map.of(
                                "rules",
                                java.util.List.of(
                                        Map.of(
                                                "name",
                                                "no-embeddings",
                                                "match",
                                                Map.of("tasks", java.util.List.of("embed")),
                                                "action",
                                                "deny"),
                                        Map.of(
                                                "name",
                                                "rest",
                                                "match",
                                                Map.of(),
                                                "models",
                                                java.util.List.of("ollama/*"),
                                                "localOnly",
                                                true))));
                assertEquals(200, denied.statusCode(), denied.body());
                int before = ollama.received().size();
                origin.file("src/billing/RefundLedger.java", "class RefundLedger { void reverseCharge() {} }")
                        .commit("second");
                JsonNode failed = index(repoId);
                assertEquals("failed", failed.path("state").asText(), failed.toString());
                assertTrue(failed.path("error").asText().contains("no-embeddings"), failed.toString());
                assertEquals(before, ollama.received().size(), "nothing reached the provider after the deny");
            }
        }
    }

    private GhesSimulator simulator() throws Exception {
        Path gitDir = dir.resolve("shop.git");
        origin = GitFixture.create(gitDir, true);
        origin.file("src/billing/InvoiceCalculator.java", "class InvoiceCalculator { long computeTaxTotal() {} }")
                .file("src/catalog/ProductSearch.java", "class ProductSearch { void rankByPopularity() {} }")
                .commit("first");
        return GhesSimulator.start()
                .withApp(GitHubHarness.APP_ID, AppKeys.shared().pair().getPublic())
                .withInstallation(INSTALLATION, "acme")
                .withRepo("acme/shop", gitDir);
    }

    /** Starts the appliance on the simulator with the App registered, then signs in as the first admin. */
    private Appliance start(GhesSimulator ghes, Map<String, String> extra) throws Exception {
        Path key = dir.resolve("app-key.pem");
        Files.write(key, AppKeys.shared().pkcs1());
        Path secret = dir.resolve("webhook-secret");
        Files.writeString(secret, SECRET);
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "MAGICODE_DATA_DIR", dir.resolve("data").toString(),
                "MAGICODE_PORT", "0",
                "MAGICODE_GITHUB_API_URL", ghes.apiUrl().toString(),
                "MAGICODE_GITHUB_APP_ID", String.valueOf(GitHubHarness.APP_ID),
                "MAGICODE_GITHUB_PRIVATE_KEY_FILE", key.toString(),
                "MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", secret.toString()));
        env.putAll(extra);
        Appliance appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env));
        WebServer server = appliance.start();
        base = URI.create("http://127.0.0.1:" + server.port());
        signIn(dir.resolve("data"));
        return appliance;
    }

    /** The installation webhook, the superadmin's tenant mapping, an index request; the status once it settled. */
    private JsonNode mirrorMapAndIndex(long repoId) throws Exception {
        // Posted by the test itself (exact control over the payload), not by the simulator.
        HttpResponse<String> delivered = deliver(
                "installation",
                "{\"action\":\"created\",\"installation\":{\"id\":" + INSTALLATION
                        + ",\"account\":{\"login\":\"acme\",\"type\":\"Organization\"}},"
                        + "\"repositories\":[{\"id\":" + repoId + ",\"full_name\":\"acme/shop\","
                        + "\"name\":\"shop\",\"private\":true}],\"sender\":{\"login\":\"octocat\"}}");
        assertEquals(202, delivered.statusCode(), delivered.body());
        awaitJson("/api/v1/github/installations", json -> json.toString().contains("acme/shop"));
        return mapAndIndex(repoId);
    }

    /** The superadmin's tenant mapping of the mirrored installation, an index request; the status once it settled. */
    private JsonNode mapAndIndex(long repoId) throws Exception {
        HttpResponse<String> mapped =
                call("PUT", "/api/v1/github/installations/" + INSTALLATION + "/tenant", Map.of("tenant", "acme"));
        assertEquals(200, mapped.statusCode(), mapped.body());
        return index(repoId);
    }

    /** Asks for an index update; the status once it settled. */
    private JsonNode index(long repoId) throws Exception {
        HttpResponse<String> queued = call("POST", "/api/v1/repos/" + repoId + "/index", null);
        assertEquals(202, queued.statusCode(), queued.body());
        return awaitJson(
                "/api/v1/repos/" + repoId + "/index",
                json -> !json.path("state").asText().equals("queued")
                        && !json.path("state").asText().equals("indexing"));
    }

    private String topHit(long repoId, String query) throws Exception {
        HttpResponse<String> search = call("GET", "/api/v1/repos/" + repoId + "/search?q=" + query, null);
        assertEquals(200, search.statusCode(), search.body());
        return JSON.readTree(search.body()).path("files").get(0).path("path").asText();
    }

    private void signIn(Path dataDir) throws Exception {
        api = new ApiSession(base).signIn(dataDir, "acme");
    }

    private HttpResponse<String> deliver(String event, String body) throws Exception {
        return deliver(java.util.UUID.randomUUID().toString(), event, body);
    }

    private HttpResponse<String> deliver(String guid, String event, String body) throws Exception {
        return api.deliver(SECRET, guid, event, body);
    }

    private HttpResponse<String> call(String method, String path, Object body) throws Exception {
        return api.call(method, path, body);
    }

    private JsonNode awaitJson(String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> response = call("GET", path, null);
            assertEquals(200, response.statusCode(), response.body());
            JsonNode json = JSON.readTree(response.body());
            if (done.test(json)) {
                return json;
            }
            assertTrue(System.nanoTime() < deadline, "still waiting at the deadline: " + json);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
