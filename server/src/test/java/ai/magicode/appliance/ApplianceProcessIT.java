package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.ApplianceJar.Finished;
import ai.magicode.appliance.ApplianceJar.Running;
import ai.magicode.appliance.store.ApplianceStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar as operators run it: a separate process on a free port, checked from outside, stopped with
 * SIGTERM, and its store reopened afterwards.
 */
class ApplianceProcessIT {
    private static final Pattern SETUP_TOKEN = Pattern.compile("one-time setup token ([A-Za-z0-9_-]+)");
    private static final Duration DEADLINE = ApplianceJar.DEADLINE;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void killLeftovers() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void servesThenStopsCleanlyOnSigterm() throws Exception {
        Path dataDir = dir.resolve("data");
        Running appliance = start(Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0"), "serve");
        int port = appliance.port();
        URI base = URI.create("http://127.0.0.1:" + port);

        awaitStatus(base.resolve("/observe/health/ready"), 200);
        HttpResponse<String> health = get(base.resolve("/observe/health"));
        assertEquals(200, health.statusCode());
        assertEquals(
                "UP", new ObjectMapper().readTree(health.body()).path("status").asText());
        HttpResponse<String> metrics = get(base.resolve("/observe/metrics"));
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("http_server_requests_seconds_count"), "no HTTP meters");
        HttpResponse<String> openapi = get(base.resolve("/openapi"));
        assertEquals(200, openapi.statusCode());
        assertTrue(openapi.body().contains("/api/v1/version"));

        // First start: the setup token is printed and kept, private, in the data dir.
        String line = appliance.output().awaitLine(l -> SETUP_TOKEN.matcher(l).find(), DEADLINE);
        Matcher token = SETUP_TOKEN.matcher(line);
        assertTrue(token.find());
        Path tokenFile = dataDir.resolve("setup-token");
        assertEquals(token.group(1), Files.readString(tokenFile).trim());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));

        // Log lines are JSON objects.
        assertTrue(new ObjectMapper().readTree(line).has("level"), line);

        // A second process on the same data dir refuses, naming the holder.
        Finished second = run(Map.of("MAGICODE_DATA_DIR", dataDir.toString(), "MAGICODE_PORT", "0"), "serve");
        assertEquals(1, second.exitCode(), second.output());
        assertTrue(second.output().contains("pid " + appliance.process().pid()), second.output());

        // Backup while serving goes through the running process.
        Path backup = dir.resolve("backup");
        Finished backedUp = run(Map.of("MAGICODE_DATA_DIR", dataDir.toString()), "backup", "--to", backup.toString());
        assertEquals(0, backedUp.exitCode(), backedUp.output());
        assertTrue(backedUp.output().contains("running appliance"), backedUp.output());
        assertTrue(Files.exists(backup.resolve("backup.json")));

        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        assertTrue(appliance.process().toHandle().destroy());
        assertTrue(appliance.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "did not stop after SIGTERM");
        String output = appliance.output().awaitEnd(DEADLINE);
        assertEquals(0, appliance.process().exitValue(), output);
        assertTrue(output.contains("Store closed"), output);

        // The store reopens (the lock is released) and keeps what the appliance stored.
        try (ApplianceStore store = ApplianceStore.open(dataDir, Appliance.MIGRATIONS)) {
            assertEquals(ApplianceStore.SCHEMA_VERSION, store.schemaVersion());
        }

        // And the backup restores now that nothing serves.
        Finished restored =
                run(Map.of("MAGICODE_DATA_DIR", dataDir.toString()), "restore", "--from", backup.toString());
        assertEquals(0, restored.exitCode(), restored.output());
    }

    @Test
    void malformedConfigurationExitsTwoNamingTheKey() throws Exception {
        Finished finished = run(Map.of("MAGICODE_DATA_DIR", dir.toString(), "MAGICODE_PORT", "http"), "serve");
        assertEquals(2, finished.exitCode(), finished.output());
        assertTrue(finished.output().contains("server.port"), finished.output());
        assertTrue(finished.output().contains("MAGICODE_PORT"), finished.output());
        assertTrue(finished.output().contains("expected an integer"), finished.output());
    }

    @Test
    void unknownOptionPrintsUsageAndExitsTwo() throws Exception {
        Finished finished = run(Map.of("MAGICODE_DATA_DIR", dir.toString()), "--no-such-option");
        assertEquals(2, finished.exitCode(), finished.output());
        assertTrue(finished.output().contains("Usage: magicode"), finished.output());
    }

    private Running start(Map<String, String> env, String... args) throws IOException {
        Running running = ApplianceJar.start(env, args);
        started.add(running.process());
        return running;
    }

    private Finished run(Map<String, String> env, String... args) throws Exception {
        return start(env, args).finish();
    }

    private void awaitStatus(URI uri, int status) throws Exception {
        Instant end = Instant.now().plus(DEADLINE);
        while (true) {
            try {
                if (get(uri).statusCode() == status) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError(uri + " did not answer " + status + " in time");
            }
            Thread.onSpinWait();
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
