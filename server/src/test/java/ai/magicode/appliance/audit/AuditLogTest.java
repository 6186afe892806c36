package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import ai.magicode.appliance.config.ApplianceConfig.ForwardConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    @TempDir
    Path dir;

    private static AuditVerifier.Verification verify(Path dir) {
        AuditVerifier.Verification verification = AuditVerifier.verify(dir, Optional.empty());
        assertTrue(verification.ok(), String.valueOf(verification.problem()));
        return verification;
    }

    @Test
    void appendedEntryIsOnDiskWithItsHashWhenAppendReturns() throws IOException {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            AuditEntry first = log.append(AuditLogs.event(1));
            AuditEntry second = log.append(AuditLogs.event(2));
            assertEquals(1, first.seq());
            assertEquals(EntryCodec.GENESIS, first.prevHash());
            assertEquals(first.hash(), second.prevHash());
            String content = Files.readString(AuditLogs.segment(dir, 1));
            assertTrue(content.endsWith("\"hash\":\"" + second.hash() + "\"}\n"), content);
            assertEquals("target-2", second.target(), "the appender gets its event back as reported");
            assertFalse(content.contains("target-"), "a tenant's targets are sealed on disk: " + content);
        }
    }

    @Test
    void entryLineHoldsEveryFieldOfTheEvent() {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            String line = log.append(AuditEvent.of("secret.create", "github-app-key")
                            .tenant("acme")
                            .actor(Actor.apiToken("tok-1"))
                            .requestId("r-9")
                            .field("version", 2)
                            .field("quote", "a\"b\n")
                            .denied())
                    .toJson();
            assertTrue(
                    line.matches(
                            "\\{\"seq\":1,\"time\":\"[^\"]+\",\"tenant\":\"acme\",\"actor\":\\{\"kind\":\"API_TOKEN\","
                                    + "\"id\":\"tok-1\"},\"action\":\"secret.create\",\"target\":\"github-app-key\","
                                    + "\"outcome\":\"DENIED\",\"requestId\":\"r-9\",\"fields\":\\{\"quote\":\"a\\\\\"b\\\\n\","
                                    + "\"version\":\"2\"},\"prevHash\":\"0{64}\",\"hash\":\"[0-9a-f]{64}\"}"),
                    line);
        }
    }

    @Test
    void concurrentAppendersGetEveryNumberOnceAndTheChainHolds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Set<Long> seqs = Collections.synchronizedSet(new TreeSet<>());
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(4096, 50))) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                futures.add(pool.submit(() -> IntStream.range(0, 100)
                        .forEach(i -> seqs.add(log.append(AuditLogs.event(i)).seq()))));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1600, seqs.size());
        assertEquals(1600L, seqs.stream().mapToLong(Long::longValue).max().orElseThrow());
        AuditVerifier.Verification verification = verify(dir);
        assertEquals(1600, verification.entries());
        assertTrue(verification.segments() > 10, "4 KiB segments roll: " + verification.segments());
        assertEquals(1600, verification.lastSignedSeq());
    }

    @Test
    void reopenedLogContinuesTheChain() {
        AuditLogs.write(dir, AuditLogs.config(100), 3);
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            assertEquals(4, log.append(AuditLogs.event(4)).seq());
        }
        assertEquals(4, verify(dir).entries());
    }

    @Test
    void partialLastLineIsCutAtStartAndTheRecoveryIsRecorded() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(100), 5);
        Files.writeString(
                AuditLogs.segment(dir, 1),
                "{\"seq\":6,\"time\":\"20",
                StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        assertEquals(
                AuditVerifier.Kind.TRUNCATED_TAIL,
                AuditVerifier.verify(dir, Optional.empty())
                        .problem()
                        .orElseThrow()
                        .kind());
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            AuditEntry recovered = log.query(AuditQuery.all()).entries().getLast();
            assertEquals("audit.recovered", recovered.action());
            assertEquals(6, recovered.seq());
            assertEquals("19", recovered.fields().get("truncatedBytes"));
            assertEquals("5", recovered.fields().get("lastIntactSeq"));
            assertTrue(log.integrityProblem().isEmpty());
        }
        assertEquals(6, verify(dir).entries());
    }

    @Test
    void completeButUnhashedLastLinesAreCutAsATornTail() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(100), 5);
        Files.write(AuditLogs.segment(dir, 1), new byte[300], StandardOpenOption.APPEND);
        Files.writeString(AuditLogs.segment(dir, 1), "\n", StandardOpenOption.APPEND);
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            assertEquals(
                    "1",
                    log.query(AuditQuery.all()).entries().getLast().fields().get("droppedLines"));
        }
        verify(dir);
    }

    @Test
    void damageBeforeTheTailIsKeptAsEvidenceAndRaisesTheIntegrityProblem() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(1000), 20);
        List<String> lines = AuditLogs.lines(AuditLogs.segment(dir, 1));
        lines.set(1, lines.get(1).replace("\"req-2\"", "\"req-X\""));
        AuditLogs.writeLines(AuditLogs.segment(dir, 1), lines);
        long failuresBefore = AuditLog.integrityFailures();
        // checkpoint-every 1000 and the final checkpoint at 20: the damage is before signed entries, not a torn tail
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(1000))) {
            assertTrue(
                    log.integrityProblem().orElseThrow().contains("segment-000001.jsonl line 2"),
                    log.integrityProblem().toString());
            assertTrue(AuditLog.integrityFailures() > failuresBefore);
            log.append(AuditLogs.event(21)); // still serving
        }
        assertTrue(AuditLogs.lines(AuditLogs.segment(dir, 1)).get(1).contains("req-X"), "evidence kept");
        AuditVerifier.Problem problem =
                AuditVerifier.verify(dir, Optional.empty()).problem().orElseThrow();
        assertEquals(2, problem.line());
    }

    @Test
    void periodicCheckFindsDamageDoneWhileServing() throws IOException {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            for (int i = 1; i <= 5; i++) {
                log.append(AuditLogs.event(i));
            }
            assertTrue(log.checkIntegrity().ok());
            List<String> lines = AuditLogs.lines(AuditLogs.segment(dir, 1));
            lines.set(2, lines.get(2).replace("\"req-", "\"evil-"));
            AuditLogs.writeLines(AuditLogs.segment(dir, 1), lines);
            assertFalse(log.checkIntegrity().ok());
            assertTrue(
                    log.integrityProblem().orElseThrow().contains("line 3"),
                    log.integrityProblem().toString());
        }
    }

    @Test
    void secondOpenOfTheSameLogIsRefused() {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            AuditException e = assertThrows(AuditException.class, () -> AuditLogs.open(dir, AuditLogs.config(100)));
            assertTrue(e.getMessage().contains("in use by another process"), e.getMessage());
        }
    }

    @Test
    void oversizedEntryIsRefusedAndTheLogGoesOn() {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            AuditException e = assertThrows(
                    AuditException.class,
                    () -> log.append(AuditEvent.of("x.y", "t")
                            .field("big", "x".repeat(70_000))
                            .success()));
            assertTrue(e.getMessage().contains("larger than"), e.getMessage());
            assertEquals(1, log.append(AuditLogs.event(1)).seq());
        }
        verify(dir);
    }

    @Test
    void asyncAppendCompletesOnTheWriterOnceTheEntryIsOnDisk() throws Exception {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            // A stage attached after the writer completed the future runs on the attaching thread instead, so append
            // until one was attached in time (the writer forces the file first, so that is nearly always the first).
            String seen = null;
            int seq = 0;
            while (seen == null && seq < 200) {
                seq++;
                java.util.concurrent.CompletableFuture<AuditEntry> appended = log.appendAsync(AuditLogs.event(seq));
                java.util.concurrent.CompletableFuture<String> stage = appended.thenApply(entry -> {
                    Path segment = AuditFiles.segments(dir).getLast().path();
                    String text = new String(AuditFiles.read(segment), StandardCharsets.UTF_8);
                    return Thread.currentThread().getName() + " " + text.contains(entry.hash());
                });
                String result = stage.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(result.endsWith(" true"), "entry " + seq + " was not on disk when its future completed");
                if (result.startsWith("audit-writer ")) {
                    seen = result;
                }
            }
            assertEquals("audit-writer true", seen);
            assertEquals(seq + 1, log.append(AuditLogs.event(seq + 1)).seq());
        }
        verify(dir);
    }

    @Test
    void asyncAppendAfterCloseFailsItsFuture() {
        AuditLog log = AuditLogs.open(dir, AuditLogs.config(100));
        log.close();
        java.util.concurrent.CompletionException failure = assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> log.appendAsync(AuditLogs.event(1)).join());
        assertTrue(failure.getCause() instanceof AuditException, String.valueOf(failure.getCause()));
    }

    @Test
    void appendAfterCloseFails() {
        AuditLog log = AuditLogs.open(dir, AuditLogs.config(100));
        log.close();
        assertThrows(AuditException.class, () -> log.append(AuditLogs.event(1)));
    }

    @Test
    void retentionBySizeDeletesWholeSegmentsAndKeepsTheRestVerifiable() {
        AuditConfig config = new AuditConfig(4096, 1000, Duration.ZERO, Duration.ZERO, 12_000, ForwardConfig.none());
        try (AuditLog log = AuditLogs.open(dir, config)) {
            for (int i = 1; i <= 200; i++) {
                log.append(AuditLogs.event(i));
            }
            int before = AuditFiles.segments(dir).size();
            int deleted = log.applyRetention(Instant.now());
            assertTrue(deleted > 0 && deleted < before, deleted + " of " + before);
            assertTrue(Files.exists(dir.resolve(AuditFiles.ANCHOR)));
            assertEquals(
                    "audit.retention",
                    log.query(AuditQuery.all()).entries().getLast().action());
        }
        AuditVerifier.Verification verification = verify(dir);
        assertTrue(verification.firstSeq() > 1, "first seq " + verification.firstSeq());
        assertEquals(201, verification.lastSeq());
    }

    @Test
    void retentionByAgeKeepsTheSegmentBeingWritten() {
        AuditConfig config = new AuditConfig(4096, 1000, Duration.ZERO, Duration.ofDays(30), 0, ForwardConfig.none());
        try (AuditLog log = AuditLogs.open(dir, config)) {
            for (int i = 1; i <= 100; i++) {
                log.append(AuditLogs.event(i));
            }
            assertEquals(0, log.applyRetention(Instant.now()));
            int segments = AuditFiles.segments(dir).size();
            assertEquals(segments - 1, log.applyRetention(Instant.now().plus(Duration.ofDays(31))));
        }
        verify(dir);
    }

    @Test
    void forgedAnchorIsFound() throws IOException {
        AuditConfig config = new AuditConfig(4096, 1000, Duration.ZERO, Duration.ZERO, 8000, ForwardConfig.none());
        try (AuditLog log = AuditLogs.open(dir, config)) {
            for (int i = 1; i <= 100; i++) {
                log.append(AuditLogs.event(i));
            }
            log.applyRetention(Instant.now());
        }
        Checkpoint anchor = AuditFiles.anchor(dir).orElseThrow();
        Files.writeString(
                dir.resolve(AuditFiles.ANCHOR),
                new Checkpoint(anchor.seq() - 1, anchor.hash(), anchor.time(), anchor.key(), anchor.signature())
                        .toJson());
        AuditVerifier.Problem problem =
                AuditVerifier.verify(dir, Optional.empty()).problem().orElseThrow();
        assertEquals(AuditVerifier.Kind.BAD_SIGNATURE, problem.kind());
        assertEquals(AuditFiles.ANCHOR, problem.file());
    }

    @Test
    void queryFiltersAndPagesByCursor() {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(4096, 100))) {
            for (int i = 1; i <= 60; i++) {
                log.append(AuditLogs.event(i));
            }
            log.append(AuditEvent.of("secret.create", "k").tenant("other").success());
            AuditQuery byActor = new AuditQuery(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of("user-1"),
                    Optional.of("test.*"),
                    Optional.empty(),
                    Optional.of("acme"),
                    1,
                    7);
            AuditQuery.Page first = log.query(byActor);
            assertEquals(7, first.entries().size());
            assertTrue(first.entries().stream().allMatch(e -> e.actor().id().equals("user-1")));
            AuditQuery.Page second = log.query(new AuditQuery(
                    byActor.from(),
                    byActor.to(),
                    byActor.actor(),
                    byActor.action(),
                    byActor.target(),
                    byActor.tenant(),
                    first.nextCursor().orElseThrow(),
                    100));
            assertEquals(20, first.entries().size() + second.entries().size());
            assertTrue(second.nextCursor().isEmpty());
            assertTrue(second.entries().getFirst().seq()
                    > first.entries().getLast().seq());
            AuditQuery otherTenant = new AuditQuery(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of("other"),
                    1,
                    100);
            assertEquals(
                    List.of("secret.create"),
                    log.query(otherTenant).entries().stream()
                            .map(AuditEntry::action)
                            .toList());
        }
    }

    @Test
    void legacySigningKeyFileIsReadOnceAndThenDeleted() throws IOException {
        byte[] seed = AuditSigningKey.generate();
        Files.write(dir.resolve("signing.key"), seed);
        assertArrayEquals(seed, AuditSigningKey.legacy(dir).orElseThrow());
        AuditSigningKey.deleteLegacy(dir);
        assertTrue(AuditSigningKey.legacy(dir).isEmpty());
    }

    @Test
    void legacySigningKeyFileOfTheWrongLengthIsRefusedWithoutItsContent() throws IOException {
        Files.write(dir.resolve("signing.key"), new byte[] {1, 2, 3});
        AuditException e = assertThrows(AuditException.class, () -> AuditSigningKey.legacy(dir));
        assertTrue(e.getMessage().contains("not a 32-byte Ed25519 seed"), e.getMessage());
    }

    @Test
    void copyWhileAppendingVerifiesAndHoldsAPrefixOfTheLog() throws Exception {
        Path copy = dir.resolveSibling(dir.getFileName() + "-copy");
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(8 * 1024, 50))) {
            for (int i = 0; i < 300; i++) {
                log.append(AuditEvent.of("test.before", "t" + i).success());
            }
            Thread appender = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 300; i++) {
                    log.append(AuditEvent.of("test.during", "t" + i).success());
                }
            });
            AuditVerifier.Verification copied = log.copyTo(copy);
            appender.join();
            assertTrue(copied.ok(), String.valueOf(copied.problem()));
            assertTrue(copied.entries() >= 300, "copied " + copied.entries());
            assertTrue(copied.segments() > 1, "the copy should span several segments");
            assertThrows(AuditException.class, () -> log.copyTo(copy), "a copy never overwrites");
        }
        AuditVerifier.Verification original = AuditVerifier.verify(dir, Optional.empty());
        assertTrue(original.entries()
                >= AuditVerifier.verify(copy, Optional.empty()).entries());
    }
}
