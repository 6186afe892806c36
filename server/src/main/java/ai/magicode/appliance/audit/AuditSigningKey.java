package ai.magicode.appliance.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * The checkpoint signing key: a 32-byte Ed25519 seed that the vault keeps under {@link #NAME}. Appliances
 * before the vault held it kept it in {@code DATA_DIR/audit/signing.key}; that file is imported once and
 * then deleted ({@link #legacy}, {@link #deleteLegacy}).
 */
public final class AuditSigningKey {
    /** The key's name in the vault (in the appliance's own vault tenant). */
    public static final String NAME = "audit.signing-key";

    private static final String LEGACY_FILE = "signing.key";
    private static final int SEED_BYTES = 32;

    private AuditSigningKey() {}

    /** A fresh random seed. */
    public static byte[] generate() {
        byte[] seed = new byte[SEED_BYTES];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    /**
     * The seed an earlier version kept in {@code auditDir/signing.key}, when that file is still there.
     *
     * @throws AuditException when the file exists but is not a 32-byte seed, or cannot be read
     */
    public static Optional<byte[]> legacy(Path auditDir) {
        Path file = auditDir.resolve(LEGACY_FILE);
        try {
            byte[] seed = Files.readAllBytes(file);
            if (seed.length != SEED_BYTES) {
                throw new AuditException("the audit signing key " + file + " is not a 32-byte Ed25519 seed");
            }
            return Optional.of(seed);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new AuditException("cannot read the audit signing key " + file, e);
        }
    }

    /** Deletes the earlier version's key file once the vault holds the key. */
    public static void deleteLegacy(Path auditDir) {
        try {
            Files.deleteIfExists(auditDir.resolve(LEGACY_FILE));
            AuditFiles.forceDirectory(auditDir);
        } catch (IOException e) {
            throw new AuditException("cannot delete the imported audit signing key file in " + auditDir, e);
        }
    }
}
