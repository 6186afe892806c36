package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during appends: a separate JVM appends from eight threads and is killed once it has reported
 * enough acknowledgements; recovery must leave a log that verifies and holds every acknowledged entry.
 */
class AuditCrashRecoveryTest {
    private static final int ACKS_BEFORE_KILL = 3000;

    @TempDir
    Path dir;

    @RepeatedTest(3)
    void killedAppenderLeavesALogThatRecoversVerifiesAndHoldsEveryAcknowledgedEntry() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashingAppender.class.getName(),
                        dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Map<Long, String> acknowledged = new HashMap<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
                String[] parts = line.split(" ");
                acknowledged.put(Long.parseLong(parts[1]), parts[2]);
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
        }
        assertEquals(ACKS_BEFORE_KILL, acknowledged.size(), "the child stopped reporting early");

        Map<Long, String> present;
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(256 * 1024, 100))) {
            present = new HashMap<>();
            log.query(AuditQuery.all()).entries().forEach(e -> present.put(e.seq(), e.target()));
            acknowledged.forEach((seq, target) -> assertEquals(target, present.get(seq), "acknowledged entry " + seq));
            assertTrue(log.integrityProblem().isEmpty(), log.integrityProblem().toString());
        }
        AuditVerifier.Verification verification = AuditVerifier.verify(dir, Optional.empty());
        assertTrue(verification.ok(), String.valueOf(verification.problem()));
        // The kill may land when exactly the acknowledged entries are durable, so "at least", not "more than".
        assertTrue(
                verification.entries() >= present.size() && present.size() >= ACKS_BEFORE_KILL,
                "verified " + verification.entries() + " entries, the log holds " + present.size());
    }
}
