package ai.magicode.appliance.bench;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.AuditLog;
import ai.magicode.appliance.audit.AuditVerifier;
import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench audit}: durable append throughput and latency with concurrent appenders (group
 * commit, fdatasync on), then {@code audit verify} speed over what was written. A benchmark for
 * docs/performance.md, not a test. Run it on the disk that holds the data dir: a tmpfs makes fsync free.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Audit log append throughput and p99 latency (durable), and verify speed.")
public final class AuditBenchmark implements Runnable {
    @Option(
            names = "--appenders",
            defaultValue = "16",
            description = "Concurrent appenders (default: ${DEFAULT-VALUE}).")
    int appenders;

    @Option(
            names = "--entries",
            defaultValue = "200000",
            description = "Entries appended in the measured run (default: ${DEFAULT-VALUE}).")
    int entries;

    @Option(
            names = "--verify-entries",
            defaultValue = "1000000",
            description = "Size of the log verify reads (default: ${DEFAULT-VALUE}).")
    int verifyEntries;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Parent of the scratch directory (default: the current directory; keep it on the data disk).")
    Path parent = Path.of(".");

    @Override
    public void run() {
        Path dir;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(parent.toAbsolutePath()), "magicode-bench-audit");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a scratch directory under " + parent, e);
        }
        rawSync(dir);
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        try {
            try (AuditLog log = AuditLog.open(dir, AuditConfig.defaults(), seed::clone)) {
                append(log, Math.max(1000, entries / 10), appenders, false, true); // warm-up
                // Sealing's price, in this run: the same entries as platform entries (nothing sealed), then as
                // tenant entries (tenant, actor, target and fields sealed with AES-GCM), alternated twice.
                double[] plain = new double[2];
                double[] sealed = new double[2];
                for (int round = 0; round < 2; round++) {
                    plain[round] = throughput(log, entries, appenders, false);
                    sealed[round] = throughput(log, entries, appenders, true);
                }
                System.out.printf(
                        "sealing: %,.0f entries/s sealed vs %,.0f plain (ratio %.2f; rounds %.2f and %.2f)%n",
                        (sealed[0] + sealed[1]) / 2,
                        (plain[0] + plain[1]) / 2,
                        (sealed[0] + sealed[1]) / (plain[0] + plain[1]),
                        sealed[0] / plain[0],
                        sealed[1] / plain[1]);
                long syncsBefore = log.syncs();
                long[] latencies = append(log, entries, appenders, true, true);
                System.out.printf(
                        "group commit: %.1f entries per fdatasync on average%n",
                        (double) entries / (log.syncs() - syncsBefore));
                Arrays.sort(latencies);
                System.out.printf(
                        "latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        latencies[latencies.length / 2] / 1e6,
                        latencies[(int) (latencies.length * 0.99)] / 1e6,
                        latencies[latencies.length - 1] / 1e6);
                int more = verifyEntries - entries - Math.max(1000, entries / 10);
                if (more > 0) {
                    append(log, more, 1024, false, true); // filling the log for verify: many appenders, big batches
                }
            }
            for (int run = 1; run <= 3; run++) {
                long start = System.nanoTime();
                AuditVerifier.Verification verification = AuditVerifier.verify(dir, Optional.empty());
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!verification.ok()) {
                    throw new IllegalStateException(
                            "verify failed: " + verification.problem().get());
                }
                System.out.printf(
                        "verify run %d: %,d entries in %d segments in %.2f s: %,.0f entries/s%n",
                        run,
                        verification.entries(),
                        verification.segments(),
                        seconds,
                        verification.entries() / seconds);
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** The disk's own price: one thread appending 250 bytes and forcing them, 2,000 times. */
    private static void rawSync(Path dir) {
        long[] latencies = new long[2000];
        Path file = dir.resolve("raw-fdatasync");
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                file,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND)) {
            byte[] line = new byte[250];
            Arrays.fill(line, (byte) 'x');
            for (int i = 0; i < latencies.length; i++) {
                long before = System.nanoTime();
                channel.write(java.nio.ByteBuffer.wrap(line));
                channel.force(false);
                latencies[i] = System.nanoTime() - before;
            }
            Files.delete(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot measure fdatasync in " + dir, e);
        }
        Arrays.sort(latencies);
        long total = Arrays.stream(latencies).sum();
        System.out.printf(
                "raw append+fdatasync (1 thread): p50 %.2f ms, p99 %.2f ms, mean %.2f ms: %,.0f syncs/s%n",
                latencies[latencies.length / 2] / 1e6,
                latencies[(int) (latencies.length * 0.99)] / 1e6,
                total / 1e6 / latencies.length,
                latencies.length / (total / 1e9));
    }

    private static double throughput(AuditLog log, int count, int appenders, boolean sealed) {
        long start = System.nanoTime();
        append(log, count, appenders, false, sealed);
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static long[] append(AuditLog log, int count, int appenders, boolean report, boolean sealed) {
        long[] latencies = new long[count];
        CountDownLatch done = new CountDownLatch(appenders);
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < appenders; t++) {
            int thread = t;
            threads.add((appenders > 64 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                for (int i = thread; i < count; i += appenders) {
                    long before = System.nanoTime();
                    log.append(AuditEvent.of("bench.append", "owner/repo#" + i)
                            .tenant(sealed ? "tenant-" + (i % 7) : AuditEvent.PLATFORM)
                            .actor(Actor.user("user-" + (i % 100)))
                            .requestId("0f8e4c1a-" + i)
                            .field("branch", "magicode/feature-" + i)
                            .field("sha", "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
                            .success());
                    latencies[i] = System.nanoTime() - before;
                }
                done.countDown();
            }));
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (report) {
            System.out.printf(
                    "append: %,d entries from %d appenders in %.2f s: %,.0f entries/s (durable, group commit)%n",
                    count, appenders, seconds, count / seconds);
        }
        return latencies;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // scratch space; nothing to lose
        }
    }
}
