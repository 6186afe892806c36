package ai.magicode.appliance.secrets;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.store.ApplianceStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench vault}: seal and unseal latency of the envelope alone, and of the vault's put (seal plus
 * durable store commit) and read, on a throw-away data dir. A benchmark for docs/performance.md, not a test.
 */
@Command(
        name = "vault",
        mixinStandardHelpOptions = true,
        description = "Secrets vault seal/unseal latency (p50/p99) and throughput.")
public final class VaultBenchmark implements Runnable {
    @Option(
            names = "--ops",
            defaultValue = "10000",
            description = "Measured operations each (default: ${DEFAULT-VALUE}).")
    int ops;

    @Option(names = "--size", defaultValue = "256", description = "Value size in bytes (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(
            names = "--warmup",
            defaultValue = "20000",
            description = "Unmeasured operations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override
    public void run() {
        SecureRandom random = new SecureRandom();
        byte[] value = new byte[Math.min(size, Vault.MAX_VALUE_BYTES)];
        random.nextBytes(value);
        Envelope envelope = new Envelope(random);
        byte[] masterBytes = envelope.newKey();
        MasterKey master = new MasterKey(masterBytes);
        Arrays.fill(masterBytes, (byte) 0);
        byte[] aad = Envelope.aad("0123456789abcdef", "bench", "bench.value", 1);
        Envelope.Sealed sealed = envelope.seal(value, aad, master);

        System.out.printf(
                Locale.ROOT,
                "Vault benchmark: %d ops each after %d warm-up, %d-byte values%n",
                ops,
                warmup,
                value.length);
        System.out.printf(Locale.ROOT, "%-34s %10s %10s %12s%n", "operation", "p50 µs", "p99 µs", "ops/s");
        report("seal (data key, AES-GCM, wrap)", () -> envelope.seal(value, aad, master));
        report(
                "unseal (unwrap, AES-GCM)",
                () -> Arrays.fill(
                        envelope.unseal(sealed.nonce(), sealed.ciphertext(), aad, sealed.key(), master), (byte) 0));

        Path dir = temporaryDataDir();
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Vault vault = Vault.open(store, MasterKeySource.file(dir), event -> {});
            int[] n = {0};
            report(
                    "vault put (seal + store commit)",
                    () -> vault.put("bench", "secret-" + (n[0]++ % 100), value, Actor.system(), "-"));
            vault.list("bench").forEach(info -> vault.prune("bench", info.name(), Actor.system(), "-"));
            report(
                    "vault read (unseal)",
                    () -> Arrays.fill(
                            vault.read("bench", "secret-" + (n[0]++ % 100)).orElseThrow(), (byte) 0));
        } finally {
            master.destroy();
            deleteTree(dir);
        }
    }

    private void report(String name, Runnable operation) {
        for (int i = 0; i < warmup; i++) {
            operation.run();
        }
        long[] nanos = new long[ops];
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            long t = System.nanoTime();
            operation.run();
            nanos[i] = System.nanoTime() - t;
        }
        long total = System.nanoTime() - start;
        Arrays.sort(nanos);
        System.out.printf(
                Locale.ROOT,
                "%-34s %10.1f %10.1f %12.0f%n",
                name,
                nanos[ops / 2] / 1000.0,
                nanos[Math.min(ops - 1, (int) Math.ceil(ops * 0.99) - 1)] / 1000.0,
                ops / (total / 1e9));
    }

    private static Path temporaryDataDir() {
        try {
            return Files.createTempDirectory("magicode-bench-vault");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data dir", e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("Could not delete " + root + ": " + e.getMessage());
        }
    }
}
