package ai.magicode.appliance.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Reads entries back for queries, exports and retention. Only complete lines count, so reading while
 * the writer appends is safe; a segment deleted by retention meanwhile is skipped.
 */
final class SegmentReader {
    private SegmentReader() {}

    /** Receives each matching entry with its raw line; returns false to stop. */
    interface Visitor {
        boolean visit(AuditEntry entry, byte[] buf, int start, int end);
    }

    static AuditQuery.Page query(Path dir, AuditQuery query, UnaryOperator<AuditEntry> open) {
        List<AuditEntry> entries = new ArrayList<>();
        long[] next = {-1};
        scan(dir, query, open, (entry, buf, start, end) -> {
            if (entries.size() == query.limit()) {
                next[0] = entry.seq();
                return false;
            }
            entries.add(entry);
            return true;
        });
        return new AuditQuery.Page(entries, next[0] < 0 ? Optional.empty() : Optional.of(next[0]));
    }

    /**
     * Visits the entries matching {@code query}, oldest first, each as {@code open} shows it (sealed values opened);
     * the raw line is the one written.
     */
    static void scan(Path dir, AuditQuery query, UnaryOperator<AuditEntry> open, Visitor visitor) {
        List<AuditFiles.Segment> segments = AuditFiles.segments(dir);
        // Skip segments wholly before the cursor: the next one starts at or below it.
        int from = 0;
        for (int i = segments.size() - 1; i > 0; i--) {
            Optional<AuditEntry> first = firstEntry(segments.get(i).path());
            if (first.isPresent() && first.get().seq() <= query.cursor()) {
                from = i;
                break;
            }
        }
        for (int i = from; i < segments.size(); i++) {
            byte[] buf;
            try {
                buf = Files.readAllBytes(segments.get(i).path());
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new AuditException("cannot read " + segments.get(i).path(), e);
            }
            int pos = 0;
            while (pos < buf.length) {
                int end = AuditLog.indexOf(buf, pos);
                if (end < 0) {
                    break;
                }
                int start = pos;
                pos = end + 1;
                if (!EntryCodec.framed(buf, start, end) || EntryCodec.seq(buf, start, end) < query.cursor()) {
                    continue;
                }
                AuditEntry entry;
                try {
                    entry = open.apply(EntryCodec.decode(buf, start, end));
                } catch (AuditException e) {
                    continue; // damaged lines are verify's business, not the query's
                }
                if (query.matches(entry) && !visitor.visit(entry, buf, start, end)) {
                    return;
                }
            }
        }
    }

    static Optional<AuditEntry> firstEntry(Path segment) {
        try (InputStream in = Files.newInputStream(segment)) {
            byte[] head = in.readNBytes(AuditLog.MAX_LINE + 1);
            int end = AuditLog.indexOf(head, 0);
            return end < 0 ? Optional.empty() : Optional.of(EntryCodec.decode(head, 0, end));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + segment, e);
        } catch (AuditException e) {
            return Optional.empty();
        }
    }

    static Optional<Instant> lastTime(Path segment) {
        byte[] buf = AuditFiles.read(segment);
        int end = buf.length - 1;
        while (end >= 0 && buf[end] != '\n') {
            end--;
        }
        if (end <= 0) {
            return Optional.empty();
        }
        int start = end - 1;
        while (start >= 0 && buf[start] != '\n') {
            start--;
        }
        try {
            return Optional.of(EntryCodec.decode(Arrays.copyOfRange(buf, start + 1, end), 0, end - start - 1)
                    .time());
        } catch (AuditException e) {
            return Optional.empty();
        }
    }
}
