package ai.magicode.appliance.audit;

import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import ai.magicode.appliance.config.ApplianceConfig.ForwardConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** Test fixtures: a log with a fixed key and small settings, and line-level edits of its segments. */
final class AuditLogs {
    static final byte[] SEED = new byte[32];

    static {
        Arrays.fill(SEED, (byte) 7);
    }

    private AuditLogs() {}

    static Supplier<byte[]> seed() {
        return SEED::clone;
    }

    static AuditConfig config(int checkpointEvery) {
        return new AuditConfig(16L << 20, checkpointEvery, Duration.ZERO, Duration.ZERO, 0, ForwardConfig.none());
    }

    static AuditConfig config(long segmentBytes, int checkpointEvery) {
        return new AuditConfig(segmentBytes, checkpointEvery, Duration.ZERO, Duration.ZERO, 0, ForwardConfig.none());
    }

    static AuditLog open(Path dir, AuditConfig config) {
        return AuditLog.open(dir, config, seed());
    }

    static AuditEvent event(int i) {
        return AuditEvent.of("test.action", "target-" + i)
                .tenant("acme")
                .actor(Actor.user("user-" + (i % 3)))
                .requestId("req-" + i)
                .field("n", i)
                .success();
    }

    /** Writes {@code count} entries and closes the log (so a final checkpoint covers them all). */
    static void write(Path dir, AuditConfig config, int count) {
        try (AuditLog log = open(dir, config)) {
            for (int i = 1; i <= count; i++) {
                log.append(event(i));
            }
        }
    }

    static Path segment(Path dir, int number) {
        return dir.resolve(AuditFiles.segmentName(number));
    }

    static List<String> lines(Path file) {
        try {
            return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeLines(Path file, List<String> lines) {
        try {
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
