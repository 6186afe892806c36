import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Copies the shaded jar for the image without the linux-aarch64 native libraries (the image is x86_64 only).
 * Deleting through the JDK's zip file system keeps every other entry's compressed bytes as they are, so
 * nothing is deflated again. Run with the source launcher: {@code java StripNatives.java IN.jar OUT.jar}.
 */
public final class StripNatives {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[1]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.copy(Path.of(args[0]), out, StandardCopyOption.REPLACE_EXISTING);
        long removed = 0;
        try (var zip = FileSystems.newFileSystem(URI.create("jar:" + out.toUri()), Map.of())) {
            for (Path root : zip.getRootDirectories()) {
                try (Stream<Path> walk = Files.walk(root)) {
                    var dirs = walk.filter(p -> p.getFileName() != null
                                    && p.getFileName().toString().replace("/", "").equals("linux-aarch64"))
                            .toList();
                    for (Path dir : dirs) {
                        try (Stream<Path> inside = Files.walk(dir)) {
                            for (Path p : inside.sorted(Comparator.reverseOrder()).toList()) {
                                removed += Files.isDirectory(p) ? 0 : Files.size(p);
                                Files.delete(p);
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("%s: removed %d MB of linux-aarch64 natives%n", out, removed / 1_000_000);
    }
}
