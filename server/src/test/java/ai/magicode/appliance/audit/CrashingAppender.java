package ai.magicode.appliance.audit;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The child process of {@link AuditCrashRecoveryTest}: appends from several threads until killed and
 * prints {@code ack SEQ TARGET} for each append that returned.
 */
public final class CrashingAppender {
    private CrashingAppender() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        PrintStream out = System.out;
        AuditLog log = AuditLogs.open(dir, AuditLogs.config(256 * 1024, 100));
        for (int t = 0; t < 8; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    String target = "child-" + thread + "-" + i;
                    AuditEntry entry = log.append(AuditEvent.of("test.crash", target)
                            .field("pad", "x".repeat(i % 200))
                            .success());
                    synchronized (out) {
                        out.println("ack " + entry.seq() + " " + target);
                        out.flush();
                    }
                }
            });
        }
    }
}
