package ai.magicode.appliance.audit;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks an audit directory read-only: every entry's hash, the chain between entries, the signatures of
 * checkpoints and of the retention anchor, and that no signed entry is missing at the end. Safe to run
 * while the appliance appends (it reads checkpoints before entries, and a line being written at that
 * moment is read again).
 */
public final class AuditVerifier {
    /** What is wrong with an entry. */
    public enum Kind {
        /** An entry's bytes differ from what was hashed, or it does not chain to its predecessor. */
        CHANGED_ENTRY,
        /** Entries are missing in the middle or at the start. */
        DELETED_ENTRY,
        /** Entries are out of order. */
        REORDERED_ENTRY,
        /** The log ends early: mid-entry, or before an entry a signed checkpoint vouches for. */
        TRUNCATED_TAIL,
        /** A checkpoint or the anchor is malformed, badly signed or signed by an untrusted key. */
        BAD_SIGNATURE
    }

    /**
     * The first bad thing found.
     *
     * @param kind what sort of damage
     * @param file the segment (or checkpoint file) name
     * @param line 1-based line in {@code file}, 0 when the problem is the end of the log
     * @param seq the entry's sequence number, as written (or expected), -1 when unknown
     * @param message a sentence for operators
     */
    public record Problem(Kind kind, String file, long line, long seq, String message) {
        @Override
        public String toString() {
            return file + (line > 0 ? " line " + line : "") + (seq >= 0 ? " (seq " + seq + ")" : "") + ": "
                    + kind.name().toLowerCase().replace('_', ' ') + ": " + message;
        }
    }

    /**
     * The outcome of a verification.
     *
     * @param entries entries checked
     * @param segments segment files read
     * @param checkpoints signed checkpoints checked
     * @param firstSeq the first entry's sequence number (after retention), 0 when empty
     * @param lastSeq the last entry's sequence number, 0 when empty
     * @param lastSignedSeq the newest entry a valid checkpoint vouches for, 0 when none
     * @param problem the first problem, empty when everything holds
     */
    public record Verification(
            long entries,
            int segments,
            int checkpoints,
            long firstSeq,
            long lastSeq,
            long lastSignedSeq,
            Optional<Problem> problem) {
        public boolean ok() {
            return problem.isEmpty();
        }

        /** Entries at the end that no signed checkpoint covers yet (written since the last checkpoint). */
        public long unsignedTail() {
            return Math.max(0, lastSeq - lastSignedSeq);
        }
    }

    private AuditVerifier() {}

    /**
     * Verifies the audit directory {@code dir}.
     *
     * @param trustedKey when present, only this hex Ed25519 public key is trusted; else the keys in
     *     {@code public-keys} next to the log
     */
    public static Verification verify(Path dir, Optional<String> trustedKey) {
        try {
            return new Run(dir, trustedKey).run();
        } catch (SegmentVanished e) {
            // retention deleted a segment while we read: the second pass starts from the new anchor
            return new Run(dir, trustedKey).run();
        }
    }

    private static final class SegmentVanished extends RuntimeException {
        SegmentVanished() {
            super(null, null, false, false);
        }
    }

    private static final class Run {
        private final Path dir;
        private final Optional<String> trustedKey;
        private final MessageDigest digest = EntryCodec.sha256();
        private final byte[] scratch = new byte[64];
        private final Map<Long, Checkpoint> signed = new HashMap<>();
        private long entries;
        private long firstSeq;
        private long lastSignedSeq;
        private int checkpointCount;
        /** The sequence number the next entry must have. */
        private long expected = 1;
        /** Where the entry being read stands: segment files read so far (its own included), its name, its line. */
        private int segmentsRead;

        private String segmentName;
        private long segmentLine;

        Run(Path dir, Optional<String> trustedKey) {
            this.dir = dir;
            this.trustedKey = trustedKey;
        }

        Verification run() {
            Set<String> keys = new HashSet<>();
            trustedKey.ifPresentOrElse(
                    keys::add,
                    () -> AuditFiles.lines(dir.resolve(AuditFiles.PUBLIC_KEYS)).stream()
                            .map(String::strip)
                            .filter(s -> !s.isEmpty())
                            .forEach(keys::add));
            String prevHash = EntryCodec.GENESIS;
            long anchorSeq = 0;
            // Checkpoints and anchor first: whatever they vouch for was written before we list the segments.
            List<String> anchorLines = AuditFiles.lines(dir.resolve(AuditFiles.ANCHOR));
            if (!anchorLines.isEmpty()) {
                Optional<Problem> bad = checkSigned(anchorLines.getFirst(), AuditFiles.ANCHOR, 1, keys);
                if (bad.isPresent()) {
                    return result(0, 0, bad);
                }
                Checkpoint anchor = Checkpoint.parse(anchorLines.getFirst());
                anchorSeq = anchor.seq();
                expected = anchor.seq() + 1;
                prevHash = anchor.hash();
            }
            List<String> checkpointLines = AuditFiles.lines(dir.resolve(AuditFiles.CHECKPOINTS));
            for (int i = 0; i < checkpointLines.size(); i++) {
                String line = checkpointLines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                Optional<Problem> bad = checkSigned(line, AuditFiles.CHECKPOINTS, i + 1, keys);
                if (bad.isPresent()) {
                    return result(0, 0, bad);
                }
                Checkpoint checkpoint = Checkpoint.parse(line);
                checkpointCount++;
                if (checkpoint.seq() > anchorSeq) {
                    signed.put(checkpoint.seq(), checkpoint);
                    lastSignedSeq = Math.max(lastSignedSeq, checkpoint.seq());
                }
            }
            if (anchorSeq > 0 && lastSignedSeq == 0) {
                lastSignedSeq = anchorSeq;
            }
            byte[] prev = prevHash.getBytes(StandardCharsets.US_ASCII);
            if (prev.length != 64) {
                return result(
                        0,
                        0,
                        problem(Kind.BAD_SIGNATURE, AuditFiles.ANCHOR, 1, anchorSeq, "the anchor's hash is malformed"));
            }
            long nextSigned = signed.keySet().stream().min(Long::compare).orElse(-1L);
            List<AuditFiles.Segment> segments = AuditFiles.segments(dir);
            String lastPlace =
                    segments.isEmpty() ? "no segment" : segments.getFirst().name();
            long lastLine = 0;
            for (int s = 0; s < segments.size(); s++) {
                AuditFiles.Segment segment = segments.get(s);
                segmentsRead = s + 1;
                segmentName = segment.name();
                boolean lastSegment = s == segments.size() - 1;
                byte[] buf = read(segment.path());
                int pos = 0;
                segmentLine = 0;
                while (pos < buf.length) {
                    int end = indexOf(buf, pos);
                    if (end < 0 && lastSegment) {
                        byte[] again = read(segment.path()); // the writer may be mid-line right now
                        if (again.length > buf.length) {
                            buf = again;
                            end = indexOf(buf, pos);
                        }
                    }
                    segmentLine++;
                    if (end < 0) {
                        String where = lastSignedSeq >= expected
                                ? "the log ends mid-entry before signed entry " + lastSignedSeq
                                : "the log ends mid-entry after the last signed checkpoint (seq " + lastSignedSeq
                                        + "): the tail was truncated or torn by a crash (startup recovery repairs it)";
                        Kind kind = lastSegment ? Kind.TRUNCATED_TAIL : Kind.CHANGED_ENTRY;
                        return brokenAt(kind, expected, lastSegment ? where : "segment ends mid-entry");
                    }
                    int start = pos;
                    pos = end + 1;
                    if (!EntryCodec.framed(buf, start, end) || EntryCodec.seq(buf, start, end) < 0) {
                        return brokenAt(Kind.CHANGED_ENTRY, -1, "not a well-formed entry (a changed byte)");
                    }
                    long seq = EntryCodec.seq(buf, start, end);
                    if (entries == 0 && seq <= anchorSeq) {
                        continue; // left over from a retention run interrupted before it deleted this segment
                    }
                    if (!EntryCodec.hashHolds(digest, buf, start, end, scratch)) {
                        return brokenAt(
                                Kind.CHANGED_ENTRY,
                                seq,
                                "the entry's content does not match its hash (a changed byte)");
                    }
                    if (seq > expected) {
                        boolean later = appearsLater(segments, s, buf, pos, expected);
                        return later
                                ? brokenAt(
                                        Kind.REORDERED_ENTRY, seq, "entry " + seq + " comes before entry " + expected)
                                : brokenAt(
                                        Kind.DELETED_ENTRY,
                                        seq,
                                        (seq - expected == 1
                                                        ? "entry " + expected + " is"
                                                        : "entries " + expected + " to " + (seq - 1) + " are")
                                                + " missing before it");
                    }
                    if (seq < expected) {
                        return brokenAt(
                                Kind.REORDERED_ENTRY, seq, "entry " + seq + " comes after entry " + (expected - 1));
                    }
                    int prevAt = EntryCodec.prevHashAt(end);
                    if (!Arrays.equals(buf, prevAt, prevAt + 64, prev, 0, 64)) {
                        return brokenAt(
                                Kind.CHANGED_ENTRY,
                                seq,
                                "it does not chain to entry " + (seq - 1) + " (an entry was replaced)");
                    }
                    System.arraycopy(buf, EntryCodec.hashAt(end), prev, 0, 64);
                    Checkpoint checkpoint = seq == nextSigned ? signed.get(seq) : null;
                    if (checkpoint != null) {
                        nextSigned = signed.keySet().stream()
                                .filter(k -> k > seq)
                                .min(Long::compare)
                                .orElse(-1L);
                    }
                    if (checkpoint != null && !checkpoint.hash().equals(EntryCodec.text(buf, EntryCodec.hashAt(end)))) {
                        return brokenAt(
                                Kind.CHANGED_ENTRY,
                                seq,
                                "its hash differs from the signed checkpoint (the chain was rewritten)");
                    }
                    if (entries == 0) {
                        firstSeq = seq;
                    }
                    entries++;
                    expected = seq + 1;
                    lastPlace = segment.name();
                    lastLine = segmentLine;
                }
            }
            long lastSeq = expected - 1;
            if (lastSignedSeq > lastSeq) {
                return result(
                        lastSeq,
                        segments.size(),
                        problem(
                                Kind.TRUNCATED_TAIL,
                                lastPlace,
                                lastLine + 1,
                                lastSeq + 1,
                                "the log ends at entry " + lastSeq + " but a signed checkpoint vouches for entry "
                                        + lastSignedSeq + ": entries " + (lastSeq + 1) + " to " + lastSignedSeq
                                        + " were cut off"));
            }
            return result(lastSeq, segments.size(), Optional.empty());
        }

        private Optional<Problem> checkSigned(String line, String file, long lineNo, Set<String> keys) {
            Checkpoint checkpoint;
            try {
                checkpoint = Checkpoint.parse(line);
            } catch (AuditException e) {
                return problem(Kind.BAD_SIGNATURE, file, lineNo, -1, "not a well-formed checkpoint");
            }
            if (!keys.contains(checkpoint.key())) {
                return problem(
                        Kind.BAD_SIGNATURE,
                        file,
                        lineNo,
                        checkpoint.seq(),
                        "signed by a key that is not trusted (" + checkpoint.key() + ")");
            }
            if (!checkpoint.signatureHolds()) {
                return problem(Kind.BAD_SIGNATURE, file, lineNo, checkpoint.seq(), "the signature does not hold");
            }
            return Optional.empty();
        }

        private static boolean appearsLater(List<AuditFiles.Segment> segments, int s, byte[] buf, int pos, long seq) {
            if (scan(buf, pos, seq)) {
                return true;
            }
            return s + 1 < segments.size() && scan(read(segments.get(s + 1).path()), 0, seq);
        }

        private static boolean scan(byte[] buf, int pos, long seq) {
            while (pos < buf.length) {
                int end = indexOf(buf, pos);
                if (end < 0) {
                    return false;
                }
                if (EntryCodec.framed(buf, pos, end) && EntryCodec.seq(buf, pos, end) == seq) {
                    return true;
                }
                pos = end + 1;
            }
            return false;
        }

        private static Optional<Problem> problem(Kind kind, String file, long line, long seq, String message) {
            return Optional.of(new Problem(kind, file, line, seq, message));
        }

        private Verification result(long lastSeq, int segments, Optional<Problem> problem) {
            return new Verification(entries, segments, checkpointCount, firstSeq, lastSeq, lastSignedSeq, problem);
        }

        /** Stops at the entry being read: the entries before it held. */
        private Verification brokenAt(Kind kind, long seq, String message) {
            return result(expected - 1, segmentsRead, problem(kind, segmentName, segmentLine, seq, message));
        }

        private static byte[] read(Path file) {
            try {
                return AuditFiles.read(file);
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof NoSuchFileException) {
                    throw new SegmentVanished();
                }
                throw new AuditException("cannot read " + file, e.getCause());
            }
        }

        private static int indexOf(byte[] buf, int from) {
            for (int i = from; i < buf.length; i++) {
                if (buf[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }
}
