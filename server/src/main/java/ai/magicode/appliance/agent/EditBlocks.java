package ai.magicode.appliance.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's file tools on a job's work tree: search/replace blocks (an exact, unique match first, then a
 * whitespace-tolerant one that re-indents the replacement), create, delete and rename. Paths are relative to the work
 * tree; absolute paths, {@code ..}, {@code .git} and symbolic links are refused. A change keeps the file's line endings
 * (LF or CRLF) and whether it ends with a newline, and is written to a temporary file moved into place, so a file is
 * never left half-written. Problems the model can fix come back as {@link Result.Rejected} with a reason written for
 * the model; I/O failures throw {@link AgentException}.
 */
public final class EditBlocks {
    /** Files larger than this are not edited (generated or data files; the model cannot see them whole anyway). */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private static final int TAB_WIDTH = 4;
    private static final int CLOSEST_MAX_LINES = 12;

    private EditBlocks() {}

    /** What an edit did: applied (exactly or whitespace-tolerantly) or rejected with a reason for the model. */
    public sealed interface Result {
        /**
         * The change was written.
         *
         * @param path the normalized path relative to the work tree
         * @param fuzzy whether the search text matched only with whitespace tolerance
         */
        record Applied(String path, boolean fuzzy) implements Result {}

        /** Nothing was written; {@code reason} says why in words a model can act on. */
        record Rejected(String reason) implements Result {}

        static Result applied(String path, boolean fuzzy) {
            return new Applied(path, fuzzy);
        }

        static Result rejected(String reason) {
            return new Rejected(reason);
        }
    }

    /**
     * Replaces {@code search} by {@code replace} in the file at {@code path}: the search text must occur exactly once,
     * or, failing that, exactly once when indentation, trailing spaces and blank lines are ignored (the replacement is
     * then re-indented to the file's indentation).
     */
    public static Result apply(Path root, String path, String search, String replace) {
        Target target;
        try {
            target = Target.resolve(root, path);
        } catch (Refused refused) {
            return Result.rejected(refused.getMessage());
        }
        if (search == null || search.isBlank()) {
            return Result.rejected("The search text is empty; to write a new file use create, to replace a whole file"
                    + " search for its current content.");
        }
        if (replace == null) {
            return Result.rejected("The replacement text is missing; use an empty replacement to delete the lines.");
        }
        if (!Files.isRegularFile(target.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Result.rejected(target.path() + " does not exist; use create to write a new file.");
        }
        Text text;
        try {
            text = Text.read(target);
        } catch (Refused refused) {
            return Result.rejected(refused.getMessage());
        }
        String content = text.content();
        String find = lf(search);
        String with = lf(replace);
        if (find.equals(with)) {
            return Result.rejected("The replacement is identical to the search text; nothing would change.");
        }

        int first = content.indexOf(find);
        if (first >= 0) {
            int count = occurrences(content, find);
            if (count > 1) {
                return Result.rejected("The search text matches " + count + " places in " + target.path()
                        + " (first at line " + lineOf(content, first) + "); add surrounding lines so it matches"
                        + " exactly one.");
            }
            String edited = content.substring(0, first) + with + content.substring(first + find.length());
            text.write(target, edited);
            return Result.applied(target.path(), false);
        }

        List<String> lines = lines(content);
        List<String> searchLines = trimBlankEnds(lines(find));
        List<int[]> matches = tolerantMatches(lines, searchLines);
        if (matches.size() > 1) {
            return Result.rejected("The search text matches " + matches.size() + " places in " + target.path()
                    + " when whitespace is ignored (first at line " + (matches.getFirst()[0] + 1)
                    + "); add surrounding lines so it matches exactly one.");
        }
        if (matches.isEmpty()) {
            return Result.rejected(notFound(target.path(), lines, searchLines));
        }
        int start = matches.getFirst()[0];
        int end = matches.getFirst()[1];
        List<String> replacement = reindent(trimBlankEnds(lines(with)), searchLines, lines.get(start), lines);
        List<String> edited = new ArrayList<>(lines.subList(0, start));
        edited.addAll(replacement);
        edited.addAll(lines.subList(end + 1, lines.size()));
        text.write(target, String.join("\n", edited));
        return Result.applied(target.path(), true);
    }

    /** Writes a new file (its parent directories are created); refused when the path already exists. */
    public static Result create(Path root, String path, String content) {
        Target target;
        try {
            target = Target.resolve(root, path);
        } catch (Refused refused) {
            return Result.rejected(refused.getMessage());
        }
        if (content == null) {
            return Result.rejected("The content of " + target.path() + " is missing.");
        }
        if (Files.exists(target.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Result.rejected(target.path() + " already exists; change it with a search/replace block.");
        }
        try {
            Files.createDirectories(target.file().getParent());
        } catch (IOException e) {
            throw new AgentException("Cannot create the directories of " + target.path() + ": " + e.getMessage(), e);
        }
        writeAtomically(target, content.getBytes(StandardCharsets.UTF_8), Optional.empty());
        return Result.applied(target.path(), false);
    }

    /** Deletes a file; refused when it does not exist or is a directory. */
    public static Result delete(Path root, String path) {
        Target target;
        try {
            target = Target.resolve(root, path);
        } catch (Refused refused) {
            return Result.rejected(refused.getMessage());
        }
        if (!Files.isRegularFile(target.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Result.rejected(target.path() + " is not a file of the repository; nothing was deleted.");
        }
        try {
            Files.delete(target.file());
        } catch (IOException e) {
            throw new AgentException("Cannot delete " + target.path() + ": " + e.getMessage(), e);
        }
        return Result.applied(target.path(), false);
    }

    /** Moves a file to a new path (parent directories are created); refused when the target exists. */
    public static Result rename(Path root, String from, String to) {
        Target source;
        Target target;
        try {
            source = Target.resolve(root, from);
            target = Target.resolve(root, to);
        } catch (Refused refused) {
            return Result.rejected(refused.getMessage());
        }
        if (!Files.isRegularFile(source.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Result.rejected(source.path() + " is not a file of the repository; nothing was renamed.");
        }
        if (Files.exists(target.file(), LinkOption.NOFOLLOW_LINKS)) {
            return Result.rejected(target.path() + " already exists; delete it first or choose another name.");
        }
        try {
            Files.createDirectories(target.file().getParent());
            Files.move(source.file(), target.file(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AgentException(
                    "Cannot rename " + source.path() + " to " + target.path() + ": " + e.getMessage(), e);
        }
        return Result.applied(target.path(), false);
    }

    /**
     * A repository path in normal form ({@code a/b}, no {@code .} or empty segments), or why it is not acceptable
     * (absolute, {@code ..}, inside {@code .git}, control characters): one of the two is present.
     */
    record CheckedPath(Optional<String> path, Optional<String> problem) {
        static CheckedPath of(String path) {
            try {
                return new CheckedPath(Optional.of(Target.normalize(path)), Optional.empty());
            } catch (Refused refused) {
                return new CheckedPath(Optional.empty(), Optional.of(refused.getMessage()));
            }
        }
    }

    /** A path that is not acceptable; its message is shown to the model. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A checked path: normalized relative form and the file it names inside the work tree. */
    private record Target(String path, Path file) {
        static Target resolve(Path root, String path) throws Refused {
            String normalized = normalize(path);
            Path realRoot;
            try {
                realRoot = root.toRealPath();
            } catch (IOException e) {
                throw new AgentException("The work tree " + root + " cannot be read: " + e.getMessage(), e);
            }
            Path file = realRoot.resolve(normalized);
            // Every existing part of the path must stay inside the work tree once links are followed, and the file
            // itself must not be a link (replacing it would write somewhere else or turn the link into a file).
            Path existing = file;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            if (Files.isSymbolicLink(file)) {
                throw new Refused(normalized + " is a symbolic link; edit the file it points to instead.");
            }
            try {
                if (existing == null || !existing.toRealPath().startsWith(realRoot)) {
                    throw new Refused(normalized + " leads outside the repository through a symbolic link.");
                }
            } catch (IOException e) {
                throw new Refused(normalized + " cannot be resolved inside the repository.");
            }
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new Refused(normalized + " is a directory; name a file.");
            }
            return new Target(normalized, file);
        }

        private static String normalize(String path) throws Refused {
            if (path == null || path.isBlank()) {
                throw new Refused("The path is empty; give a path relative to the repository root.");
            }
            if (path.indexOf('\0') >= 0 || path.chars().anyMatch(c -> c < 0x20)) {
                throw new Refused("The path contains control characters.");
            }
            if (path.indexOf('\\') >= 0) {
                throw new Refused("Use '/' as the separator in " + path + ".");
            }
            if (path.startsWith("/") || path.startsWith("~") || path.matches("^[A-Za-z]:.*")) {
                throw new Refused(path + " is absolute; give a path relative to the repository root.");
            }
            List<String> segments = new ArrayList<>();
            for (String segment : path.split("/")) {
                if (segment.isEmpty() || segment.equals(".")) {
                    continue;
                }
                if (segment.equals("..")) {
                    throw new Refused(path + " contains '..'; give a path inside the repository.");
                }
                if (segment.equalsIgnoreCase(".git")) {
                    throw new Refused(path + " is inside .git; repository metadata cannot be edited.");
                }
                segments.add(segment);
            }
            if (segments.isEmpty()) {
                throw new Refused("The path names the repository root; name a file.");
            }
            return String.join("/", segments);
        }
    }

    /**
     * A text file's content with line feeds only, and how to write it back: CRLF or LF, with or without a final
     * newline, and its permissions.
     */
    private record Text(String content, boolean crlf, boolean finalNewline, Optional<Set<PosixFilePermission>> mode) {
        static Text read(Target target) throws Refused {
            byte[] bytes;
            try {
                if (Files.size(target.file()) > MAX_BYTES) {
                    throw new Refused(target.path() + " is larger than " + MAX_BYTES / (1024 * 1024)
                            + " MiB; it cannot be edited with search/replace blocks.");
                }
                bytes = Files.readAllBytes(target.file());
            } catch (IOException e) {
                throw new AgentException("Cannot read " + target.path() + ": " + e.getMessage(), e);
            }
            for (byte b : bytes) {
                if (b == 0) {
                    throw new Refused(target.path() + " is a binary file; it cannot be edited as text.");
                }
            }
            String raw;
            try {
                raw = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new Refused(target.path() + " is not UTF-8 text; it cannot be edited as text.");
            }
            int crlfs = occurrences(raw, "\r\n");
            int lfs = occurrences(raw, "\n");
            // The majority decides for a file with mixed endings; every line is written with it.
            boolean crlf = crlfs > 0 && crlfs * 2 >= lfs;
            String content = lf(raw);
            return new Text(content, crlf, content.endsWith("\n"), permissions(target.file()));
        }

        void write(Target target, String edited) {
            String out = edited;
            if (finalNewline && !out.isEmpty() && !out.endsWith("\n")) {
                out = out + "\n";
            } else if (!finalNewline && out.endsWith("\n")) {
                out = out.substring(0, out.length() - 1);
            }
            if (crlf) {
                out = out.replace("\n", "\r\n");
            }
            writeAtomically(target, out.getBytes(StandardCharsets.UTF_8), mode);
        }
    }

    private static Optional<Set<PosixFilePermission>> permissions(Path file) {
        PosixFileAttributeView view =
                Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(view.readAttributes().permissions());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void writeAtomically(Target target, byte[] bytes, Optional<Set<PosixFilePermission>> mode) {
        Path dir = target.file().getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.file().getFileName() + ".", ".magicode-tmp");
            Files.write(temp, bytes);
            if (mode.isPresent()) {
                Files.setPosixFilePermissions(temp, mode.get());
            }
            try {
                Files.move(temp, target.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target.file(), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw new AgentException("Cannot write " + target.path() + ": " + e.getMessage(), e);
        }
    }

    /** Start and end line (inclusive) of each place where the non-blank search lines match, whitespace ignored. */
    private static List<int[]> tolerantMatches(List<String> lines, List<String> searchLines) {
        List<String> wanted = new ArrayList<>();
        for (String line : searchLines) {
            if (!line.isBlank()) {
                wanted.add(squash(line));
            }
        }
        List<int[]> matches = new ArrayList<>();
        if (wanted.isEmpty()) {
            return matches;
        }
        List<String> squashed = lines.stream().map(EditBlocks::squash).toList();
        for (int start = 0; start < lines.size(); start++) {
            if (!squashed.get(start).equals(wanted.getFirst())) {
                continue;
            }
            int at = start;
            int matched = 1;
            while (matched < wanted.size()) {
                at++;
                while (at < lines.size() && squashed.get(at).isEmpty()) {
                    at++;
                }
                if (at >= lines.size() || !squashed.get(at).equals(wanted.get(matched))) {
                    break;
                }
                matched++;
            }
            if (matched == wanted.size()) {
                matches.add(new int[] {start, at});
            }
        }
        return matches;
    }

    /**
     * Shifts the replacement so its first line's indentation becomes that of the matched file line, keeping relative
     * indentation, and writes indentation with tabs when the file indents with tabs.
     */
    private static List<String> reindent(
            List<String> replacement, List<String> searchLines, String matchedLine, List<String> fileLines) {
        String searchIndent = searchLines.stream()
                .filter(line -> !line.isBlank())
                .findFirst()
                .map(EditBlocks::indentOf)
                .orElse("");
        String fileIndent = indentOf(matchedLine);
        boolean tabs = fileIndent.startsWith("\t") || (fileIndent.isEmpty() && indentsWithTabs(fileLines));
        if (searchIndent.equals(fileIndent)) {
            return replacement;
        }
        int shift = width(fileIndent) - width(searchIndent);
        List<String> out = new ArrayList<>(replacement.size());
        for (String line : replacement) {
            if (line.isBlank()) {
                out.add("");
                continue;
            }
            String indent = indentOf(line);
            int columns = Math.max(0, width(indent) + shift);
            String rendered =
                    tabs ? "\t".repeat(columns / TAB_WIDTH) + " ".repeat(columns % TAB_WIDTH) : " ".repeat(columns);
            out.add(rendered + line.substring(indent.length()));
        }
        return out;
    }

    private static boolean indentsWithTabs(List<String> lines) {
        int tabs = 0;
        int spaces = 0;
        for (String line : lines) {
            if (line.startsWith("\t")) {
                tabs++;
            } else if (line.startsWith(" ")) {
                spaces++;
            }
        }
        return tabs > spaces;
    }

    private static String notFound(String path, List<String> lines, List<String> searchLines) {
        String head = "The search text was not found in " + path + ", not even with whitespace ignored.";
        if (lines.isEmpty() || searchLines.isEmpty()) {
            return head + " The file is empty.";
        }
        int window = Math.min(searchLines.size(), lines.size());
        int best = 0;
        double bestScore = -1;
        for (int start = 0; start + window <= lines.size(); start++) {
            double score = 0;
            for (int k = 0; k < window; k++) {
                score += similarity(squash(lines.get(start + k)), squash(searchLines.get(k)));
            }
            if (score > bestScore) {
                bestScore = score;
                best = start;
            }
        }
        int shown = Math.min(window, CLOSEST_MAX_LINES);
        StringBuilder out = new StringBuilder(head)
                .append(" The closest lines are ")
                .append(best + 1)
                .append('-')
                .append(best + shown)
                .append(":\n");
        for (int i = best; i < best + shown; i++) {
            out.append(i + 1).append(": ").append(lines.get(i)).append('\n');
        }
        return out.append("Copy the search text exactly from the file.").toString();
    }

    /** Dice coefficient of character bigrams: 1 for equal lines, 0 for lines sharing nothing. */
    private static double similarity(String a, String b) {
        if (a.equals(b)) {
            return 1;
        }
        if (a.length() < 2 || b.length() < 2) {
            return 0;
        }
        Map<String, Integer> bigrams = new HashMap<>();
        for (int i = 0; i + 1 < a.length(); i++) {
            bigrams.merge(a.substring(i, i + 2), 1, Integer::sum);
        }
        int common = 0;
        for (int i = 0; i + 1 < b.length(); i++) {
            Integer left = bigrams.get(b.substring(i, i + 2));
            if (left != null && left > 0) {
                common++;
                bigrams.put(b.substring(i, i + 2), left - 1);
            }
        }
        return 2.0 * common / (a.length() - 1 + b.length() - 1);
    }

    /** A line with leading and trailing whitespace removed and inner runs of whitespace made one space. */
    private static String squash(String line) {
        return line.strip().replaceAll("\\s+", " ");
    }

    private static String indentOf(String line) {
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
            i++;
        }
        return line.substring(0, i);
    }

    private static int width(String indent) {
        int columns = 0;
        for (int i = 0; i < indent.length(); i++) {
            columns = indent.charAt(i) == '\t' ? (columns / TAB_WIDTH + 1) * TAB_WIDTH : columns + 1;
        }
        return columns;
    }

    private static List<String> trimBlankEnds(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        return lines.subList(from, to);
    }

    /** Splits on line feeds; a final newline does not make an extra empty line. */
    private static List<String> lines(String text) {
        if (text.isEmpty()) {
            return List.of();
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(body.split("\n", -1));
    }

    private static String lf(String text) {
        return text.replace("\r\n", "\n");
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
