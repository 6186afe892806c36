package ai.magicode.appliance.secrets;

import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.config.ApplianceConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the vault's master key comes from, chosen by {@code secrets.master-key-source}: a key file under the data
 * dir (created on first start, replaced by rotation), an environment variable, or a read-only mounted file. Every
 * form holds the base64 of 32 bytes; no message of this class ever contains key material.
 */
public final class MasterKeySource {
    private static final System.Logger LOG = System.getLogger(MasterKeySource.class.getName());

    /** The key file of the {@code file} source, relative to the data dir. */
    public static final String KEY_FILE = "secrets/master.key";

    enum Kind {
        FILE,
        ENV,
        MOUNTED_FILE
    }

    private final Kind kind;
    private final Path file;
    private final String variable;
    private final Map<String, String> env;

    private MasterKeySource(Kind kind, Path file, String variable, Map<String, String> env) {
        this.kind = kind;
        this.file = file;
        this.variable = variable;
        this.env = env;
    }

    /** The source the configuration chooses; {@code env} is the process environment. */
    public static MasterKeySource from(ApplianceConfig config, Map<String, String> env) {
        ApplianceConfig.SecretsConfig secrets = config.secrets();
        return switch (secrets.masterKeySource()) {
            case FILE -> file(config.dataDir());
            case ENV -> env(secrets.masterKeyEnv(), env);
            case MOUNTED_FILE -> mountedFile(secrets.masterKeyFile().orElseThrow());
        };
    }

    /** {@code DATA_DIR/secrets/master.key}, created with mode 0600 on first start. */
    public static MasterKeySource file(Path dataDir) {
        return new MasterKeySource(Kind.FILE, dataDir.resolve(KEY_FILE), null, Map.of());
    }

    /** The base64 key in environment variable {@code variable} of {@code env}. */
    public static MasterKeySource env(String variable, Map<String, String> env) {
        return new MasterKeySource(Kind.ENV, null, variable, Map.copyOf(env));
    }

    /** The base64 key in a read-only file such as a Kubernetes Secret mount. */
    public static MasterKeySource mountedFile(Path file) {
        return new MasterKeySource(Kind.MOUNTED_FILE, file, null, Map.of());
    }

    /** Names the source for messages: which file or variable, and which setting chose it. */
    public String description() {
        return switch (kind) {
            case FILE -> "the key file " + file + " (secrets.master-key-source: file)";
            case ENV -> "the environment variable " + variable + " (secrets.master-key-source: env)";
            case MOUNTED_FILE -> "the mounted file " + file + " (secrets.master-key-source: mounted-file)";
        };
    }

    Kind kind() {
        return kind;
    }

    Path next() {
        return file.resolveSibling(file.getFileName() + ".next");
    }

    Path previous() {
        return file.resolveSibling(file.getFileName() + ".previous");
    }

    /**
     * The keys this source offers, current first. The file source also offers {@code master.key.next} and
     * {@code master.key.previous} when a rotation was interrupted, and offers nothing when no key file exists yet.
     *
     * @throws SecretsException when the variable or mounted file is missing, or a key is malformed
     */
    List<MasterKey> candidates() {
        return switch (kind) {
            case ENV -> {
                String text = env.get(variable);
                if (text == null || text.isBlank()) {
                    throw new SecretsException("No master key: " + description() + " is not set. Set it to the base64"
                            + " of 32 random bytes (e.g. openssl rand -base64 32); see docs/security.md");
                }
                yield List.of(parse(text.getBytes(StandardCharsets.US_ASCII), description()));
            }
            case MOUNTED_FILE -> {
                Optional<MasterKey> key = read(file);
                if (key.isEmpty()) {
                    throw new SecretsException("No master key: " + description() + " does not exist. Mount the"
                            + " Secret holding the base64 key there; see docs/security.md");
                }
                yield List.of(key.get());
            }
            case FILE -> {
                List<MasterKey> keys = new ArrayList<>();
                read(file).ifPresent(keys::add);
                for (Path leftover : List.of(next(), previous())) {
                    try {
                        read(leftover).ifPresent(keys::add);
                    } catch (SecretsException e) {
                        LOG.log(WARNING, "Ignoring unusable " + leftover + " left by an interrupted rotation");
                    }
                }
                yield keys;
            }
        };
    }

    /** Creates the key file with a fresh key on first start (file source only). */
    MasterKey create(Envelope envelope) {
        if (kind != Kind.FILE) {
            throw new IllegalStateException("only the file source creates keys");
        }
        byte[] bytes = envelope.newKey();
        try {
            MasterKey key = new MasterKey(bytes);
            write(file, key);
            return key;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * After the vault opened with {@code inUse}: makes the key file hold it and removes what an interrupted rotation
     * left (file source only; the other sources are the operator's).
     */
    void settle(MasterKey inUse) {
        if (kind != Kind.FILE) {
            return;
        }
        Optional<MasterKey> current;
        try {
            current = read(file);
        } catch (SecretsException e) {
            current = Optional.empty();
        }
        if (current.isEmpty() || !current.get().id().equals(inUse.id())) {
            LOG.log(
                    WARNING,
                    "Completing an interrupted master key rotation: " + file + " now holds master key " + inUse.id());
            write(file, inUse);
        }
        current.ifPresent(MasterKey::destroy);
        delete(next());
        delete(previous());
    }

    /**
     * First step of a rotation, before the store is re-wrapped: the file source keeps the current key as
     * {@code master.key.previous} and writes the new one to {@code master.key.next}, both durably; the other sources
     * only take the operator's new key.
     *
     * @param newKey the operator's new key (base64 bytes), required for {@code env} and {@code mounted-file}
     */
    MasterKey prepareRotation(MasterKey current, Optional<byte[]> newKey, Envelope envelope) {
        MasterKey next;
        if (newKey.isPresent()) {
            next = parse(newKey.get(), "the new key");
        } else if (kind == Kind.FILE) {
            byte[] bytes = envelope.newKey();
            next = new MasterKey(bytes);
            Arrays.fill(bytes, (byte) 0);
        } else {
            throw new SecretsException("Rotating a master key from " + description() + " needs the new key: run"
                    + " magicode secrets rotate-master-key --new-key-file FILE (base64 of 32 bytes), then update the"
                    + " source to that key");
        }
        if (next.id().equals(current.id())) {
            throw new SecretsException("The new master key is the current one (" + current.id() + "); give another");
        }
        if (kind == Kind.FILE) {
            write(previous(), current);
            write(next(), next);
        }
        return next;
    }

    /**
     * Last step of a rotation, after the re-wrapped store is durable: the new key replaces the key file atomically
     * and the previous one is removed (file source only).
     */
    void completeRotation(MasterKey next) {
        if (kind != Kind.FILE) {
            return;
        }
        try {
            Files.move(next(), file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(file.getParent());
        } catch (IOException e) {
            // The store is re-wrapped and master.key.next holds its key: the next start completes the move.
            throw new SecretsException(
                    "The vault is re-wrapped under master key " + next.id() + " but moving " + next() + " to " + file
                            + " failed (" + e.getMessage() + "); the next start completes it",
                    e);
        }
        delete(previous());
    }

    /** Undoes {@link #prepareRotation} when the store was not re-wrapped. */
    void abortRotation() {
        if (kind == Kind.FILE) {
            delete(next());
            delete(previous());
        }
    }

    /** Reads a base64 key file given to {@code --new-key-file}; its bytes for {@link #prepareRotation}. */
    public static byte[] readNewKeyFile(Path path) {
        try {
            byte[] text = Files.readAllBytes(path);
            parse(text, "the new key file").destroy();
            return text;
        } catch (NoSuchFileException e) {
            throw new SecretsException("The new key file " + path + " does not exist");
        } catch (IOException e) {
            throw new SecretsException("Cannot read the new key file " + path + ": " + e.getMessage(), e);
        } catch (SecretsException e) {
            throw new SecretsException("The new key file " + path + " does not hold the base64 of 32 bytes");
        }
    }

    private Optional<MasterKey> read(Path path) {
        byte[] text;
        try {
            text = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SecretsException("Cannot read the master key from " + path + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(parse(text, path.toString()));
        } catch (SecretsException e) {
            throw new SecretsException("The master key in " + path + " is not the base64 of 32 bytes");
        } finally {
            Arrays.fill(text, (byte) 0);
        }
    }

    private static MasterKey parse(byte[] text, String from) {
        int start = 0;
        int end = text.length;
        while (start < end && Character.isWhitespace(text[start])) {
            start++;
        }
        while (end > start && Character.isWhitespace(text[end - 1])) {
            end--;
        }
        byte[] bytes = null;
        try {
            bytes = Base64.getDecoder().decode(Arrays.copyOfRange(text, start, end));
            if (bytes.length != Envelope.KEY_BYTES) {
                throw new SecretsException("The master key from " + from + " is not the base64 of 32 bytes");
            }
            return new MasterKey(bytes);
        } catch (IllegalArgumentException e) {
            throw new SecretsException("The master key from " + from + " is not the base64 of 32 bytes");
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }

    /** Writes a key as base64 to {@code target} with mode 0600 from the start: temp file, fsync, atomic rename. */
    private static void write(Path target, MasterKey key) {
        Path dir = target.getParent();
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        byte[] text = Base64.getEncoder().encode(key.bytes());
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocate(text.length + 1)
                        .put(text)
                        .put((byte) '\n')
                        .flip();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                Arrays.fill(buffer.array(), (byte) 0);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } catch (IOException e) {
            throw new SecretsException("Cannot write the master key file " + target + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(text, (byte) 0);
        }
    }

    private static void delete(Path path) {
        try {
            if (Files.deleteIfExists(path)) {
                syncDirectory(path.getParent());
            }
        } catch (IOException e) {
            LOG.log(WARNING, "Cannot delete " + path + ": " + e.getMessage());
        }
    }

    /** Makes a rename or delete in {@code dir} durable. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
