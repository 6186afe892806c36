package ai.magicode.appliance.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of the audit directory: {@code segment-NNNNNN.jsonl} (entries), {@code checkpoints.jsonl}
 * (signed checkpoints), {@code anchor.json} (the signed checkpoint retention starts the chain from) and
 * {@code public-keys} (hex Ed25519 keys whose signatures count).
 */
final class AuditFiles {
    static final String CHECKPOINTS = "checkpoints.jsonl";
    static final String ANCHOR = "anchor.json";
    static final String PUBLIC_KEYS = "public-keys";
    private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{6,})\\.jsonl");

    private AuditFiles() {}

    /** A segment file and its number. */
    record Segment(long number, Path path) {
        String name() {
            return path.getFileName().toString();
        }
    }

    static String segmentName(long number) {
        return String.format("segment-%06d.jsonl", number);
    }

    /** The segments in order. */
    static List<Segment> segments(Path dir) {
        List<Segment> segments = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return segments;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(path -> {
                Matcher matcher = SEGMENT.matcher(path.getFileName().toString());
                if (matcher.matches()) {
                    segments.add(new Segment(Long.parseLong(matcher.group(1)), path));
                }
            });
        } catch (IOException e) {
            throw new AuditException("cannot list the audit directory " + dir, e);
        }
        segments.sort((a, b) -> Long.compare(a.number(), b.number()));
        return segments;
    }

    /** The lines of a small text file, none when it does not exist. */
    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new AuditException("cannot read " + file, e);
        }
    }

    static Optional<Checkpoint> anchor(Path dir) {
        List<String> lines = lines(dir.resolve(ANCHOR));
        return lines.isEmpty() ? Optional.empty() : Optional.of(Checkpoint.parse(lines.getFirst()));
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Appends {@code line} and a newline to {@code file}, then forces it to disk. */
    static void appendDurably(Path file, String line) throws IOException {
        try (FileChannel channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            channel.write(java.nio.ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
        }
    }

    /** Replaces {@code file} with {@code content} atomically and durably (temp file, fsync, rename, fsync dir). */
    static void replaceDurably(Path file, String content) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(file.getParent());
    }

    /** Makes a file's creation, rename or deletion in {@code dir} durable. */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
