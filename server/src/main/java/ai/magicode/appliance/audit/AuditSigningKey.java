package ai.magicode.appliance.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * The checkpoint signing key kept in a file (32 raw bytes, mode 0600): the stand-in until the vault
 * holds it. Created atomically on first use (written to a temp file, forced, then renamed).
 */
public final class AuditSigningKey {
    private AuditSigningKey() {}

    /** A supplier of the seed in {@code file}, creating the file with a fresh random seed when absent. */
    public static Supplier<byte[]> file(Path file) {
        return () -> {
            try {
                if (!Files.exists(file)) {
                    create(file);
                }
                byte[] seed = Files.readAllBytes(file);
                if (seed.length != 32) {
                    throw new AuditException("the audit signing key " + file + " is not a 32-byte Ed25519 seed");
                }
                return seed;
            } catch (IOException e) {
                throw new AuditException("cannot read or create the audit signing key " + file, e);
            }
        };
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(seed));
            channel.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(temp);
        }
        AuditFiles.forceDirectory(file.getParent());
    }
}
