package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.github.WebhookSignature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook inbox survives {@code kill -9}: the built jar runs as a process while senders post signed deliveries
 * (and redeliveries of acknowledged ones) to a few repositories; the process is killed at a random moment, restarted,
 * and so on for {@value #ROUNDS} rounds. At the end every delivery that got a 2xx is processed, and each
 * repository's processed-deliveries counter (committed with each delivery's processed mark) equals the number of its
 * distinct processed deliveries: none was processed twice.
 */
class WebhookCrashIT {
    private static final int ROUNDS = 10;
    private static final int REPOSITORIES = 4;
    private static final long INSTALLATION = 77;
    private static final String SECRET = "crash-test-webhook-secret";
    private static final String PASSWORD = "correct horse battery staple";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void kill() {
        started.forEach(Process::destroyForcibly);
    }

    /** A delivery the senders posted: its guid and repository, and whether it was acknowledged with a 2xx. */
    private record Sent(String guid, int repository, boolean acknowledged) {}

    @Test
    void everyAcknowledgedDeliveryIsProcessedExactlyOnceAcrossKills() throws Exception {
        Path dataDir = dir.resolve("data");
        Path secretFile = dir.resolve("webhook-secret");
        Files.writeString(secretFile, SECRET + "\n");
        Map<String, String> env = Map.of(
                "MAGICODE_DATA_DIR", dataDir.toString(),
                "MAGICODE_SERVER_PORT", "0",
                "MAGICODE_SERVER_HOST", "127.0.0.1",
                "MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", secretFile.toString(),
                "MAGICODE_GITHUB_WEBHOOKS_WORKERS", "2");
        Random random = new Random(Long.getLong("magicode.crash.seed", 5L));
        Map<String, Sent> sent = new ConcurrentHashMap<>();
        int killedWithAcknowledged = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ApplianceJar.Running appliance = start(env);
            URI base = URI.create("http://127.0.0.1:" + appliance.port());
            int before = acknowledged(sent);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(REPOSITORIES);
            for (int repo = 1; repo <= REPOSITORIES; repo++) {
                int r = repo;
                long seed = random.nextLong();
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        send(base, r, new Random(seed), sent, stop);
                    } finally {
                        done.countDown();
                    }
                });
            }
            // Kill at a random moment once some deliveries of this round were acknowledged.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int wanted = before + 1 + random.nextInt(150);
            while (acknowledged(sent) < wanted && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            appliance.process().destroyForcibly();
            assertTrue(appliance.process().waitFor(30, TimeUnit.SECONDS));
            stop.set(true);
            assertTrue(done.await(60, TimeUnit.SECONDS), "senders did not stop");
            if (acknowledged(sent) > before) {
                killedWithAcknowledged++;
            }
        }
        assertEquals(ROUNDS, killedWithAcknowledged, "every round acknowledged deliveries before its kill");

        ApplianceJar.Running appliance = start(env);
        URI base = URI.create("http://127.0.0.1:" + appliance.port());
        String session = login(base, dataDir);
        Map<String, JsonNode> states = awaitSettled(base, session, sent.keySet());
        Map<Integer, Integer> processedByRepository = new HashMap<>();
        for (Sent delivery : sent.values()) {
            JsonNode state = states.get(delivery.guid());
            if (delivery.acknowledged()) {
                assertTrue(state != null, "acknowledged delivery " + delivery.guid() + " was lost");
                assertEquals("processed", state.path("state").asText(), state.toString());
            }
            if (state != null && state.path("state").asText().equals("processed")) {
                processedByRepository.merge(delivery.repository(), 1, Integer::sum);
            }
        }
        Map<Integer, Long> counters = counters(base, session);
        for (int repo = 1; repo <= REPOSITORIES; repo++) {
            assertEquals(
                    (long) processedByRepository.getOrDefault(repo, 0),
                    counters.getOrDefault(repo, 0L),
                    "repository " + repo + ": processed-deliveries counter against distinct processed deliveries");
        }
        assertTrue(acknowledged(sent) >= ROUNDS, "acknowledged: " + acknowledged(sent));
        System.out.printf(
                "%d rounds: %d deliveries sent, %d acknowledged, %d processed (each once)%n",
                ROUNDS,
                sent.size(),
                acknowledged(sent),
                processedByRepository.values().stream()
                        .mapToInt(Integer::intValue)
                        .sum());
    }

    private ApplianceJar.Running start(Map<String, String> env) throws IOException {
        ApplianceJar.Running running = ApplianceJar.start(env, "serve");
        started.add(running.process());
        return running;
    }

    private static int acknowledged(Map<String, Sent> sent) {
        return (int) sent.values().stream().filter(Sent::acknowledged).count();
    }

    /** Posts deliveries of one repository in order until stopped or the server is gone; some are redeliveries. */
    private static void send(URI base, int repo, Random random, Map<String, Sent> sent, AtomicBoolean stop) {
        List<String> mine = new ArrayList<>();
        int number = 0;
        while (!stop.get()) {
            String guid;
            if (!mine.isEmpty() && random.nextInt(10) == 0) {
                guid = mine.get(random.nextInt(mine.size()));
            } else {
                guid = UUID.randomUUID().toString();
                mine.add(guid);
                sent.putIfAbsent(guid, new Sent(guid, repo, false));
            }
            byte[] body = ("{\"action\":\"opened\",\"issue\":{\"number\":" + (++number) + "},\"repository\":{\"id\":"
                            + repo + ",\"full_name\":\"crash/repo-" + repo + "\"},\"installation\":{\"id\":"
                            + INSTALLATION + "},\"sender\":{\"login\":\"octocat\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            try {
                HttpResponse<Void> response = HTTP.send(
                        HttpRequest.newBuilder(base.resolve("/webhooks/github"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/json")
                                .header("X-GitHub-Event", "issues")
                                .header("X-GitHub-Delivery", guid)
                                .header(
                                        "X-Hub-Signature-256",
                                        WebhookSignature.sign(SECRET.getBytes(StandardCharsets.UTF_8), body))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status == 200 || status == 202) {
                    sent.put(guid, new Sent(guid, repo, true));
                } else if (status != 503) {
                    throw new AssertionError("delivery " + guid + " answered " + status);
                }
            } catch (IOException e) {
                return; // killed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static String login(URI base, Path dataDir) throws Exception {
        String token = Files.readString(dataDir.resolve("setup-token")).trim();
        HttpResponse<String> setup = post(
                base,
                "/api/v1/setup",
                Map.of(),
                Map.of("token", token, "username", "admin", "password", PASSWORD, "tenant", "acme"));
        assertEquals(201, setup.statusCode(), setup.body());
        HttpResponse<String> login =
                post(base, "/api/v1/auth/login", Map.of(), Map.of("username", "admin", "password", PASSWORD));
        assertEquals(200, login.statusCode(), login.body());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        String session = cookie.substring(0, cookie.indexOf(';'));
        String csrf = JSON.readTree(login.body()).path("csrfToken").asText();
        HttpRequest map = HttpRequest.newBuilder(
                        base.resolve("/api/v1/github/installations/" + INSTALLATION + "/tenant"))
                .header("Cookie", session)
                .header("X-CSRF-Token", csrf)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"acme\"}"))
                .build();
        HttpResponse<String> mapped = HTTP.send(map, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, mapped.statusCode(), mapped.body());
        return session;
    }

    /** Each sent delivery's state once none is pending (absent: never stored). */
    private static Map<String, JsonNode> awaitSettled(URI base, String session, Set<String> guids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Map<String, JsonNode> states = new HashMap<>();
            boolean pending = false;
            for (String guid : guids) {
                HttpResponse<String> response = get(base, "/api/v1/github/deliveries/" + guid, session);
                if (response.statusCode() == 200) {
                    JsonNode state = JSON.readTree(response.body());
                    states.put(guid, state);
                    pending |= state.path("state").asText().equals("pending");
                } else {
                    assertEquals(404, response.statusCode(), response.body());
                }
            }
            if (!pending) {
                return states;
            }
            assertTrue(System.nanoTime() < deadline, "deliveries still pending after the deadline");
        }
    }

    private static Map<Integer, Long> counters(URI base, String session) throws Exception {
        HttpResponse<String> response = get(base, "/api/v1/github/installations", session);
        assertEquals(200, response.statusCode(), response.body());
        Map<Integer, Long> counters = new HashMap<>();
        for (JsonNode installation : JSON.readTree(response.body()).path("installations")) {
            for (JsonNode repo : installation.path("repositories")) {
                counters.put(
                        repo.path("id").asInt(),
                        repo.path("deliveriesProcessed").asLong());
            }
        }
        return counters;
    }

    private static HttpResponse<String> get(URI base, String path, String session) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Cookie", session)
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(URI base, String path, Map<String, String> headers, Object body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
