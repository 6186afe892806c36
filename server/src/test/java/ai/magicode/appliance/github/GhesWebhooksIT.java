package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.Appliance;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GHES simulator delivers webhooks itself, as GitHub does: its own state changes become signed deliveries to the
 * App's webhook URL, every attempt is listed under {@code /app/hook/deliveries} with the status the appliance
 * answered, and a delivery the appliance refused or never got is redelivered when the appliance's recovery asks.
 */
class GhesWebhooksIT {
    private static final long INSTALLATION = 78;
    private static final String SECRET = "simulator-webhook-secret";

    @TempDir
    Path dir;

    private GitFixture origin;
    private String head;
    private GhesSimulator ghes;
    private Appliance appliance;

    @BeforeEach
    void world() throws Exception {
        Path gitDir = dir.resolve("shop.git");
        origin = GitFixture.create(gitDir, true);
        head = origin.file("README.md", "# shop\n").commit("first");
        ghes = GhesSimulator.start()
                .withApp(GitHubHarness.APP_ID, AppKeys.shared().pair().getPublic())
                .withInstallation(INSTALLATION, "acme")
                .withRepo("acme/shop", gitDir);
    }

    @AfterEach
    void close() {
        if (appliance != null) {
            appliance.close();
        }
        origin.close();
        assertEquals(List.of(), ghes.violations(), "every payload parsed and every answer matched the API description");
        ghes.close();
    }

    @Test
    void theSimulatorsOwnStateChangesArriveSignedAndAreProcessedOnce() throws Exception {
        int port = start(freePort(), true);
        ghes.withWebhook(URI.create("http://127.0.0.1:" + port + "/webhooks/github"), SECRET);
        GhesSimulator.Repo repo = ghes.repo("acme/shop");

        ghes.installed(INSTALLATION);
        long issue = repo.issue("Greeting has a typo", "It says wrold.");
        repo.label(issue, "bug", "octocat");
        repo.assign(issue, "octocat", "octocat");
        repo.comment(issue, "Seen on the home page too.", "octocat");
        repo.checkRun(head, "build", "success");

        List<String> guids = ghes.deliveredGuids();
        assertEquals(6, guids.size(), guids.toString());
        await(
                "every delivery is processed",
                () -> guids.stream()
                        .allMatch(guid -> appliance
                                .webhooks()
                                .find(guid)
                                .filter(d -> d.state() == Delivery.State.PROCESSED)
                                .isPresent()));
        assertEquals(
                List.of("installation", "issues", "issues", "issues", "issue_comment", "check_run"),
                guids.stream()
                        .map(guid ->
                                appliance.webhooks().find(guid).orElseThrow().event())
                        .toList());
        assertTrue(
                appliance.webhooks().installations().repositories().stream().anyMatch(r -> r.id() == repo.id()),
                "the installation delivered by the simulator is mirrored");
        List<ObjectNode> attempts = ghes.hookDeliveries();
        assertEquals(6, attempts.size(), attempts.toString());
        for (ObjectNode attempt : attempts) {
            assertEquals(202, attempt.path("status_code").asInt(), attempt.toString());
            assertEquals(INSTALLATION, attempt.path("installation_id").asLong(), attempt.toString());
        }
        assertEquals(List.of(), ghes.redeliveryRequests(), "nothing was missed, so nothing is asked for again");
        String metrics = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + port + "/observe/metrics"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("github_webhooks_deliveries_total{")
                                && l.contains("outcome=\"accepted\"")),
                "accepted deliveries are counted");
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("github_webhooks_processing_seconds_count")
                                && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 6),
                "the processing time of every delivery is recorded");
    }

    @Test
    void aDeliveryTheApplianceAnsweredWith5xxIsRecoveredFromTheSimulatorsList() throws Exception {
        // Started before the operator gave it the webhook secret: the appliance answers 503 to deliveries.
        int port = start(freePort(), false);
        ghes.withWebhook(URI.create("http://127.0.0.1:" + port + "/webhooks/github"), SECRET);
        String guid = ghes.installed(INSTALLATION);
        await("the refused attempt is listed", () -> !ghes.hookDeliveries().isEmpty());
        assertEquals(503, ghes.hookDeliveries().getFirst().path("status_code").asInt());
        assertTrue(appliance.webhooks().find(guid).isEmpty(), "nothing was stored");
        appliance.close();
        appliance = null;

        // Restarted with the secret: the recovery at startup finds the event it does not know and asks for it.
        start(port, true);
        await(
                "the refused delivery is redelivered and processed",
                () -> appliance
                        .webhooks()
                        .find(guid)
                        .filter(d -> d.state() == Delivery.State.PROCESSED)
                        .isPresent());
        assertEquals(
                1, ghes.redeliveryRequests().size(), ghes.redeliveryRequests().toString());
        List<ObjectNode> attempts = ghes.hookDeliveries();
        assertEquals(2, attempts.size(), attempts.toString());
        assertEquals(202, attempts.getFirst().path("status_code").asInt(), attempts.toString());
        assertTrue(attempts.getFirst().path("redelivery").asBoolean(), attempts.toString());
        assertEquals(guid, attempts.getFirst().path("guid").asText());
    }

    /**
     * The deliveries of changes the appliance's own client makes (a push through the push guard, a pull request
     * opened, replied to and closed through the REST client), caught by a plain receiver: GitHub's headers, a
     * signature over the exact body, and payloads the appliance's parser reads as the change that was made.
     */
    @Test
    void changesMadeThroughTheApiAndGitAreDeliveredWithGitHubsHeadersAndSignature() throws Exception {
        List<Map<String, String>> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<byte[]> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.helidon.webserver.WebServer receiver = io.helidon.webserver.WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing -> routing.post("/hook", (req, res) -> {
                    Map<String, String> headers = new HashMap<>();
                    req.headers().forEach(h -> headers.put(h.name().toLowerCase(java.util.Locale.ROOT), h.get()));
                    bodies.add(req.content().as(byte[].class));
                    received.add(headers);
                    res.status(io.helidon.http.Status.ACCEPTED_202).send();
                }))
                .build()
                .start();
        Path local = dir.resolve("local.git");
        String fix;
        try (GitFixture repo = GitFixture.create(local, true)) {
            fix = repo.file("fix.txt", "fixed\n").commit("fix");
        }
        try (GitHubHarness harness = new GitHubHarness(ghes, dir.resolve("harness"))) {
            ghes.withWebhook(URI.create("http://127.0.0.1:" + receiver.port() + "/hook"), SECRET);
            RepoClient shop = harness.github.repository(
                    "acme",
                    INSTALLATION,
                    RepoName.parse("acme/shop"),
                    Map.of("contents", "write", "pull_requests", "write", "issues", "write"));
            PushGuard guard = new PushGuard("magicode/", harness.store, harness.audit::add);
            assertInstanceOf(PushGuard.Pushed.class, guard.push(shop, local, fix, "magicode/fix-1", false));
            RepoClient.PullRequest pr = shop.createPullRequest("magicode/fix-1", "main", "Fix", "Fixes it.", true);
            long comment = ghes.repo("acme/shop").reviewComment(pr.number(), "fix.txt", 1, "Why?");
            shop.replyToReviewComment(pr.number(), comment, "Because.");
            shop.updatePullRequest(pr.number(), Optional.empty(), Optional.empty(), Optional.of("closed"));

            await("five deliveries", () -> received.size() == 5);
            EventParser parser = new EventParser(25L << 20);
            List<GitHubEvent> events = new java.util.ArrayList<>();
            for (int i = 0; i < received.size(); i++) {
                Map<String, String> headers = received.get(i);
                byte[] body = bodies.get(i);
                assertTrue(
                        WebhookSignature.verify(
                                SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                body,
                                headers.get("x-hub-signature-256")),
                        headers.toString());
                assertEquals(String.valueOf(GhesSimulator.HOOK_ID), headers.get("x-github-hook-id"));
                assertEquals("integration", headers.get("x-github-hook-installation-target-type"));
                assertEquals(String.valueOf(GitHubHarness.APP_ID), headers.get("x-github-hook-installation-target-id"));
                assertEquals(ghes.deliveredGuids().get(i), headers.get("x-github-delivery"));
                events.add(parser.parse(headers.get("x-github-event"), body));
            }
            GitHubEvent.Push push = assertInstanceOf(GitHubEvent.Push.class, events.get(0));
            assertEquals("refs/heads/magicode/fix-1", push.ref());
            assertEquals(fix, push.after());
            assertTrue(push.created() && push.commits() == 1, push.toString());
            GitHubEvent.PullRequest opened = assertInstanceOf(GitHubEvent.PullRequest.class, events.get(1));
            assertEquals(
                    List.of("opened", String.valueOf(pr.number()), "magicode/fix-1", fix),
                    List.of(
                            opened.context().action(),
                            String.valueOf(opened.number()),
                            opened.head().ref(),
                            opened.head().sha()));
            GitHubEvent.PullRequestReviewComment asked =
                    assertInstanceOf(GitHubEvent.PullRequestReviewComment.class, events.get(2));
            assertEquals("reviewer", asked.comment().author().login());
            GitHubEvent.PullRequestReviewComment answered =
                    assertInstanceOf(GitHubEvent.PullRequestReviewComment.class, events.get(3));
            assertEquals(comment, answered.inReplyTo().orElseThrow());
            GitHubEvent.PullRequest closed = assertInstanceOf(GitHubEvent.PullRequest.class, events.get(4));
            assertEquals("closed", closed.context().action());
            for (GitHubEvent event : events) {
                assertEquals(
                        ghes.repo("acme/shop").id(),
                        event.context().repository().orElseThrow().id());
                assertEquals(INSTALLATION, event.context().installationId().orElseThrow());
            }
        } finally {
            receiver.stop();
        }
    }

    /** Starts the appliance on {@code port}, with the webhook secret or without; returns the port. */
    private int start(int port, boolean withSecret) throws IOException {
        Path key = dir.resolve("app-key.pem");
        Files.write(key, AppKeys.shared().pkcs1());
        Map<String, String> env = new HashMap<>();
        env.put("MAGICODE_DATA_DIR", dir.resolve("data").toString());
        env.put("MAGICODE_PORT", String.valueOf(port));
        env.put("MAGICODE_GITHUB_API_URL", ghes.apiUrl().toString());
        env.put("MAGICODE_GITHUB_APP_ID", String.valueOf(GitHubHarness.APP_ID));
        env.put("MAGICODE_GITHUB_PRIVATE_KEY_FILE", key.toString());
        env.put("MAGICODE_INDEX_EMBEDDINGS", "none");
        if (withSecret) {
            Path secret = dir.resolve("webhook-secret");
            Files.writeString(secret, SECRET);
            env.put("MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", secret.toString());
        }
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env));
        return appliance.start().port();
    }

    /** A port free right now, so that the simulator knows the webhook URL before the appliance listens on it. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "still waiting at the deadline: " + what);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
