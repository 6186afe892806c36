package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditVerifier.Kind;
import ai.magicode.appliance.audit.AuditVerifier.Problem;
import ai.magicode.appliance.audit.AuditVerifier.Verification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tampering with a closed log: each kind of damage is found and pinpointed by file, line and seq. */
class AuditVerifierTest {
    @TempDir
    Path dir;

    private Problem problem() {
        Verification verification = AuditVerifier.verify(dir, Optional.empty());
        assertTrue(verification.problem().isPresent(), "verification should fail");
        return verification.problem().get();
    }

    private void assertProblem(Problem problem, Kind kind, long line, long seq) {
        assertEquals(kind, problem.kind(), problem.toString());
        assertEquals("segment-000001.jsonl", problem.file(), problem.toString());
        assertEquals(line, problem.line(), problem.toString());
        assertEquals(seq, problem.seq(), problem.toString());
    }

    @Test
    void intactLogVerifiesWithEveryEntrySigned() {
        AuditLogs.write(dir, AuditLogs.config(7), 20);
        Verification verification = AuditVerifier.verify(dir, Optional.empty());
        assertTrue(verification.ok(), String.valueOf(verification.problem()));
        assertEquals(20, verification.entries());
        assertEquals(20, verification.lastSignedSeq());
        assertEquals(0, verification.unsignedTail());
        assertEquals(3, verification.checkpoints()); // after 7 and 14 entries, and at close
    }

    @Test
    void changedByteIsPinpointed() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(100), 20);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        lines.set(6, lines.get(6).replace("\"req-7\"", "\"req-8\""));
        AuditLogs.writeLines(segment, lines);
        assertProblem(problem(), Kind.CHANGED_ENTRY, 7, 7);
    }

    @Test
    void flippedBitAnywhereInALineIsFound() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(100), 5);
        Path segment = AuditLogs.segment(dir, 1);
        byte[] original = Files.readAllBytes(segment);
        int lineStart = AuditLogs.lines(segment).get(0).length() + 1;
        int lineLength = AuditLogs.lines(segment).get(1).length();
        for (int i = 0; i < lineLength; i += 7) {
            byte[] copy = original.clone();
            copy[lineStart + i] ^= 0x01;
            Files.write(segment, copy);
            Problem problem = problem();
            assertEquals(2, problem.line(), "flip at " + i + ": " + problem);
        }
    }

    @Test
    void deletedEntryIsPinpointed() {
        AuditLogs.write(dir, AuditLogs.config(100), 20);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        lines.remove(6);
        AuditLogs.writeLines(segment, lines);
        Problem problem = problem();
        assertProblem(problem, Kind.DELETED_ENTRY, 7, 8);
        assertTrue(problem.message().contains("entry 7 is missing"), problem.message());
    }

    @Test
    void deletedFirstEntryIsPinpointed() {
        AuditLogs.write(dir, AuditLogs.config(100), 5);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        lines.removeFirst();
        AuditLogs.writeLines(segment, lines);
        assertProblem(problem(), Kind.DELETED_ENTRY, 1, 2);
    }

    @Test
    void reorderedEntriesArePinpointed() {
        AuditLogs.write(dir, AuditLogs.config(100), 20);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        String seventh = lines.get(6);
        lines.set(6, lines.get(7));
        lines.set(7, seventh);
        AuditLogs.writeLines(segment, lines);
        assertProblem(problem(), Kind.REORDERED_ENTRY, 7, 8);
    }

    @Test
    void tailTruncatedMidEntryIsReportedAsTruncatedTail() throws IOException {
        AuditLogs.write(dir, AuditLogs.config(100), 20);
        Path segment = AuditLogs.segment(dir, 1);
        byte[] bytes = Files.readAllBytes(segment);
        Files.write(segment, java.util.Arrays.copyOf(bytes, bytes.length - 40));
        assertProblem(problem(), Kind.TRUNCATED_TAIL, 20, 20);
    }

    @Test
    void wholeEntriesCutFromTheTailAreFoundThroughTheSignedCheckpoint() {
        AuditLogs.write(dir, AuditLogs.config(100), 20);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        AuditLogs.writeLines(segment, lines.subList(0, 17));
        Problem problem = problem();
        assertProblem(problem, Kind.TRUNCATED_TAIL, 18, 18);
        assertTrue(problem.message().contains("entries 18 to 20 were cut off"), problem.message());
    }

    @Test
    void truncationAfterTheLastCheckpointIsReportedAsSuch() throws IOException {
        Path live = dir.resolve("live");
        Files.createDirectories(dir.resolve("copy"));
        try (AuditLog log = AuditLogs.open(live, AuditLogs.config(10))) {
            for (int i = 1; i <= 15; i++) {
                log.append(AuditLogs.event(i));
            }
            // a snapshot of a running log: entries 11..15 are chained but not yet signed
            for (String name : List.of("segment-000001.jsonl", AuditFiles.CHECKPOINTS, AuditFiles.PUBLIC_KEYS)) {
                Files.copy(live.resolve(name), dir.resolve("copy").resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path copy = dir.resolve("copy");
        Verification running = AuditVerifier.verify(copy, Optional.empty());
        assertTrue(running.ok(), String.valueOf(running.problem()));
        assertEquals(5, running.unsignedTail());
        Path segment = copy.resolve("segment-000001.jsonl");
        byte[] bytes = Files.readAllBytes(segment);
        Files.write(segment, java.util.Arrays.copyOf(bytes, bytes.length - 30));
        Problem problem = AuditVerifier.verify(copy, Optional.empty()).problem().orElseThrow();
        assertEquals(Kind.TRUNCATED_TAIL, problem.kind());
        assertEquals(15, problem.line());
        assertTrue(problem.message().contains("after the last signed checkpoint (seq 10)"), problem.message());
    }

    @Test
    void forgedCheckpointSignatureIsFound() {
        AuditLogs.write(dir, AuditLogs.config(5), 12);
        Path checkpoints = dir.resolve(AuditFiles.CHECKPOINTS);
        List<String> lines = AuditLogs.lines(checkpoints);
        Checkpoint second = Checkpoint.parse(lines.get(1));
        lines.set(
                1, new Checkpoint(second.seq(), second.hash(), second.time(), second.key(), "00".repeat(64)).toJson());
        AuditLogs.writeLines(checkpoints, lines);
        Problem problem = problem();
        assertEquals(Kind.BAD_SIGNATURE, problem.kind());
        assertEquals(AuditFiles.CHECKPOINTS, problem.file());
        assertEquals(2, problem.line());
    }

    @Test
    void checkpointByAnUntrustedKeyIsRefusedWhenAKeyIsPinned() {
        AuditLogs.write(dir, AuditLogs.config(100), 3);
        Problem problem = AuditVerifier.verify(dir, Optional.of("ab".repeat(32)))
                .problem()
                .orElseThrow();
        assertEquals(Kind.BAD_SIGNATURE, problem.kind());
        assertTrue(problem.message().contains("not trusted"), problem.message());
    }

    @Test
    void rewrittenChainIsCaughtByTheSignedCheckpoint() {
        AuditLogs.write(dir, AuditLogs.config(100), 5);
        Path segment = AuditLogs.segment(dir, 1);
        List<String> lines = AuditLogs.lines(segment);
        // An attacker without the key re-hashes every entry after changing entry 3.
        String prev = EntryCodec.GENESIS;
        for (int i = 0; i < lines.size(); i++) {
            byte[] line = lines.get(i).getBytes(StandardCharsets.UTF_8);
            AuditEntry entry = EntryCodec.decode(line, 0, line.length);
            AuditEvent event =
                    i == 2 ? AuditEvent.of("test.action", "innocent").outcome(entry.outcome()) : entry.event();
            EntryCodec.Encoded encoded = EntryCodec.encode(EntryCodec.sha256(), entry.seq(), entry.time(), event, prev);
            prev = encoded.entry().hash();
            lines.set(i, new String(encoded.line(), StandardCharsets.UTF_8).strip());
        }
        AuditLogs.writeLines(segment, lines);
        Problem problem = problem();
        assertProblem(problem, Kind.CHANGED_ENTRY, 5, 5);
        assertTrue(problem.message().contains("signed checkpoint"), problem.message());
    }
}
