package ai.magicode.appliance.store;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code backup.json} of a backup directory: format and schema version, the app version when known, the
 * creation time, and every other file of the backup with its size and SHA-256.
 */
record BackupManifest(
        int formatVersion, int schemaVersion, String appVersion, String createdAt, List<FileEntry> files) {
    static final String FILE_NAME = "backup.json";
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One backed-up file, its path relative to the backup directory with {@code /} separators. */
    record FileEntry(String path, long size, String sha256) {}

    BackupManifest {
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** Describes the files now under {@code directory}, except the manifest itself. */
    static BackupManifest describe(Path directory, int schemaVersion, String appVersion, String createdAt) {
        try (Stream<Path> walk = Files.walk(directory)) {
            List<Path> paths = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.equals(directory.resolve(FILE_NAME)))
                    .sorted()
                    .toList();
            List<FileEntry> entries = new java.util.ArrayList<>();
            for (Path path : paths) {
                entries.add(new FileEntry(relative(directory, path), Files.size(path), sha256(path)));
            }
            return new BackupManifest(FORMAT_VERSION, schemaVersion, appVersion, createdAt, entries);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot list backup files in " + directory + ": " + e, e);
        }
    }

    /** Total size of the listed files. */
    long bytes() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    /** Writes the manifest into {@code directory}, atomically so a half-written manifest never exists. */
    void write(Path directory) {
        Path target = directory.resolve(FILE_NAME);
        Path temp = directory.resolve(FILE_NAME + ".tmp");
        try {
            JSON.writeValue(temp.toFile(), this);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + target + ": " + e, e);
        }
    }

    /** Reads the manifest of the backup in {@code directory}, or throws {@code BAD_BACKUP}. */
    static BackupManifest read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        BackupManifest manifest;
        try (InputStream in = Files.newInputStream(file)) {
            manifest = JSON.readValue(in, BackupManifest.class);
        } catch (NoSuchFileException e) {
            throw new StoreException(
                    StoreException.Kind.BAD_BACKUP,
                    directory + " is not a MagiCode backup: " + FILE_NAME + " is missing");
        } catch (JacksonException e) {
            throw new StoreException(
                    StoreException.Kind.BAD_BACKUP, "Backup manifest " + file + " is not valid: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot read " + file + ": " + e, e);
        }
        if (manifest.formatVersion() < 1 || manifest.formatVersion() > FORMAT_VERSION) {
            throw new StoreException(
                    StoreException.Kind.BAD_BACKUP,
                    "Backup manifest " + file + " has format version " + manifest.formatVersion()
                            + "; this build reads up to " + FORMAT_VERSION + ": upgrade MagiCode");
        }
        if (manifest.files().isEmpty()) {
            throw new StoreException(StoreException.Kind.BAD_BACKUP, "Backup manifest " + file + " lists no files");
        }
        return manifest;
    }

    /**
     * Checks that {@code directory} holds exactly the listed files with their sizes and checksums, or throws
     * {@code BAD_BACKUP} naming the first difference.
     */
    void verify(Path directory) {
        Set<String> listed = new HashSet<>();
        for (FileEntry entry : files) {
            Path path = directory.resolve(entry.path()).normalize();
            if (!path.startsWith(directory) || !listed.add(entry.path())) {
                throw bad(directory, "lists an invalid or duplicate path " + entry.path());
            }
            try {
                if (!Files.isRegularFile(path)) {
                    throw bad(directory, "lists " + entry.path() + ", which is missing");
                }
                if (Files.size(path) != entry.size() || !sha256(path).equals(entry.sha256())) {
                    throw bad(directory, "checksum mismatch for " + entry.path() + ": the file was altered or damaged");
                }
            } catch (IOException e) {
                throw new StoreException(StoreException.Kind.IO, "Cannot read " + path + ": " + e, e);
            }
        }
        // An unlisted file inside the store directory would be read by Eclipse Store as data.
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.filter(Files::isRegularFile)
                    .map(path -> relative(directory, path))
                    .filter(path -> !path.equals(FILE_NAME) && !listed.contains(path))
                    .findFirst()
                    .ifPresent(extra -> {
                        throw bad(directory, "does not list " + extra + ", which was added after the backup");
                    });
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot list " + directory + ": " + e, e);
        }
    }

    private static StoreException bad(Path directory, String what) {
        return new StoreException(
                StoreException.Kind.BAD_BACKUP, "Backup " + directory + " is not usable: manifest " + what);
    }

    private static String relative(Path directory, Path file) {
        return directory
                .relativize(file)
                .toString()
                .replace(file.getFileSystem().getSeparator(), "/");
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
