package ai.magicode.appliance.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test fixture: fingerprints of a directory tree, to prove that an operation left it untouched. */
final class StoreFiles {
    private StoreFiles() {}

    /** Every file and directory under {@code root} with its SHA-256 (files) or a marker (directories). */
    static Map<String, String> contents(Path root) {
        return walk(root, false);
    }

    /** Like {@link #contents} plus each entry's last-modified time. */
    static Map<String, String> contentsAndTimes(Path root) {
        return walk(root, true);
    }

    private static Map<String, String> walk(Path root, boolean withTimes) {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                String value = Files.isDirectory(path) ? "dir" : BackupManifest.sha256(path);
                if (withTimes) {
                    value += " @" + Files.getLastModifiedTime(path).toMillis();
                }
                result.put(root.relativize(path).toString(), value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
