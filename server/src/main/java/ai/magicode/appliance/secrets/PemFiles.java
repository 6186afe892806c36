package ai.magicode.appliance.secrets;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.openssl.PEMParser;

/** Reads PEM files into Bouncy Castle objects and writes files atomically with their permissions set at creation. */
final class PemFiles {
    private static final System.Logger LOGGER = System.getLogger(PemFiles.class.getName());

    /** Far above any real certificate chain or key; a bigger file is certainly not what the operator meant. */
    private static final long MAX_SIZE = 1024 * 1024;

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {}

    /**
     * All PEM objects of a file, in file order.
     *
     * @param what how the file is called in messages, e.g. "TLS private key file"
     */
    static List<Object> read(String what, Path file) {
        String text = readText(what, file);
        if (text.isBlank()) {
            throw new SecretsException(what + " " + file + " is empty");
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            // Parser messages describe the structure (bad base64, bad ASN.1), never the content.
            throw new SecretsException(what + " " + file + " is not valid PEM: a block cannot be decoded", e);
        }
        if (objects.isEmpty()) {
            throw new SecretsException(what + " " + file + " is not PEM: it has no '-----BEGIN ...-----' block");
        }
        return objects;
    }

    private static String readText(String what, Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new SecretsException(what + " " + file + " is a directory, not a file");
            }
            if (Files.size(file) > MAX_SIZE) {
                throw new SecretsException(what + " " + file + " is larger than 1 MiB; it is not a PEM file");
            }
            // ISO-8859-1 decodes any bytes, so a binary (DER) file reaches the "not PEM" message.
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new SecretsException(what + " " + file + " does not exist");
        } catch (IOException e) {
            throw new SecretsException(what + " " + file + " cannot be read: " + e, e);
        }
    }

    /**
     * Writes {@code content} to {@code target} through a temporary file in the same directory that is created with
     * {@code permissions} and then atomically moved over the target.
     */
    static void writeAtomically(Path target, String content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attributes(dir, permissions));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                out.write(content.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot replace files atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static FileAttribute<?>[] attributes(Path dir, Set<PosixFilePermission> permissions) {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            LOGGER.log(
                    System.Logger.Level.WARNING,
                    "The file system of {0} has no POSIX permissions; restrict access to its files yourself",
                    dir);
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }
}
