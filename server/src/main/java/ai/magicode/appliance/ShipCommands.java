package ai.magicode.appliance;

import ai.magicode.appliance.secrets.SecretsException;
import ai.magicode.appliance.secrets.SigningKeys;
import ai.magicode.appliance.ship.Bundle;
import ai.magicode.appliance.ship.Preflight;
import ai.magicode.appliance.ship.ShipException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The release commands the air-gapped installer (installer/) runs: {@code magicode bundle keygen|seal|verify} for
 * the signed bundle and {@code magicode preflight} for the checks before an install. None needs a data dir.
 */
final class ShipCommands {
    private ShipCommands() {}

    /** {@code magicode bundle …}: Ed25519 keys, sealing (manifest + signature) and offline verification. */
    @Command(
            name = "bundle",
            mixinStandardHelpOptions = true,
            description = "Sign and verify air-gapped release bundles.",
            subcommands = {Keygen.class, Seal.class, Verify.class})
    static final class BundleCommand extends CommandGroup {}

    @Command(
            name = "keygen",
            mixinStandardHelpOptions = true,
            description = "Write a new Ed25519 signing key (signing-key.pem, mode 0600) and its public key "
                    + "(signing-key.pub) to a directory, and print the public key's fingerprint.")
    static final class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Directory for the two files (created).")
        Path out;

        @Override
        public Integer call() throws IOException {
            Files.createDirectories(out);
            Path privateFile = out.resolve("signing-key.pem");
            if (Files.exists(privateFile)) {
                System.err.println(privateFile + " exists; not overwriting a signing key");
                return 1;
            }
            var pair = SigningKeys.generate();
            Files.createFile(
                    privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(privateFile, pair.privateKeyPem());
            Files.writeString(out.resolve("signing-key.pub"), pair.publicKeyPem());
            System.out.println("Wrote " + privateFile + " and " + out.resolve("signing-key.pub"));
            System.out.println("Public key fingerprint (SHA-256): " + SigningKeys.fingerprint(pair.publicKeyPem()));
            return 0;
        }
    }

    @Command(
            name = "seal",
            mixinStandardHelpOptions = true,
            description =
                    "List every file of a bundle directory with its SHA-256 in MANIFEST and sign it (MANIFEST.sig).")
    static final class Seal implements Callable<Integer> {
        @Parameters(index = "0", description = "The bundle directory.")
        Path dir;

        @Option(names = "--key", required = true, description = "The Ed25519 private key (PEM PKCS#8).")
        Path key;

        @Override
        public Integer call() {
            try {
                int files = Bundle.seal(dir, Files.readString(key));
                System.out.println("Sealed " + files + " files in " + dir.resolve(Bundle.MANIFEST));
                return 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (SecretsException | ShipException e) {
                System.err.println("Cannot seal " + dir + ": " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Check a bundle offline: the manifest's signature under the vendor's public key, every "
                    + "file's SHA-256, and no file added. Exit 0 when intact, 1 otherwise (each problem printed).")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", description = "The bundle directory.")
        Path dir;

        @Option(names = "--public-key", required = true, description = "The vendor's Ed25519 public key (PEM).")
        Path publicKey;

        @Override
        public Integer call() throws IOException {
            String pem = Files.readString(publicKey);
            var verification = Bundle.verify(dir, pem);
            if (verification.ok()) {
                System.out.println("Bundle " + dir + " is intact: " + verification.files() + " files, signed by key "
                        + SigningKeys.fingerprint(pem));
                return 0;
            }
            System.err.println("Bundle " + dir + " FAILED verification:");
            verification.problems().forEach(problem -> System.err.println("  " + problem));
            return 1;
        }
    }

    /** {@code magicode preflight}: the checks before an install, as a readable report. */
    @Command(
            name = "preflight",
            mixinStandardHelpOptions = true,
            description = "Check the cluster (Kubernetes version, storage class, NetworkPolicy), free space, and "
                    + "reachability and TLS of GitHub, the OIDC provider and each model endpoint in the chart "
                    + "values. Exit 0 when nothing failed, 1 otherwise.")
    static final class PreflightCommand implements Callable<Integer> {
        @Option(names = "--chart", required = true, description = "The chart directory (for its default values).")
        Path chart;

        @Option(
                names = {"-f", "--values"},
                description = "Values files as given to helm, later ones winning.")
        List<Path> values = new ArrayList<>();

        @Option(
                names = "--kubectl",
                defaultValue = "kubectl",
                description = "The kubectl command (default: ${DEFAULT-VALUE}).")
        String kubectl;

        @Option(names = "--ca-file", description = "PEM certificates to trust (the caBundle the chart gets).")
        Path caFile;

        @Option(names = "--space-dir", defaultValue = ".", description = "Where the bundle is unpacked (free space).")
        Path spaceDir;

        @Option(
                names = "--min-free-mb",
                defaultValue = "2048",
                description = "Least free space there (default: ${DEFAULT-VALUE}).")
        long minFreeMb;

        @Override
        public Integer call() {
            var report =
                    new Preflight(new Preflight.Options(chart, values, kubectl, caFile, spaceDir, minFreeMb)).run();
            System.out.print(report.text());
            return report.ok() ? 0 : 1;
        }
    }
}
