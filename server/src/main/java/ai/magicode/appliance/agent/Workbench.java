package ai.magicode.appliance.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The job's files as the model's tools see them: list, read line ranges, and edit (search/replace, create, delete,
 * rename) inside the job's work tree, never outside it. Remembers which paths changed. Every answer is text for the
 * model; a refused action is an answer too ({@code error: …}), so the model can correct itself.
 */
final class Workbench {
    private static final int MAX_LIST = 300;
    private static final int MAX_READ_LINES = 400;

    private final Path root;
    private final Set<String> changed = new LinkedHashSet<>();
    private int edits;

    Workbench(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** How many changes were applied so far. */
    int edits() {
        return edits;
    }

    /** The paths created, edited, deleted or renamed (both sides), in order of first change. */
    List<String> changed() {
        return List.copyOf(changed);
    }

    String listFiles(String prefix) {
        String clean = prefix == null ? "" : prefix.strip();
        try (Stream<Path> walk = Files.walk(root)) {
            List<String> paths = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> p.startsWith(clean))
                    .sorted()
                    .toList();
            List<String> shown = paths.size() > MAX_LIST ? paths.subList(0, MAX_LIST) : paths;
            String more = paths.size() > MAX_LIST ? "\n… " + (paths.size() - MAX_LIST) + " more" : "";
            return paths.isEmpty() ? "no files under '" + clean + "'" : String.join("\n", shown) + more;
        } catch (IOException e) {
            return "error: cannot list files";
        }
    }

    String readFile(String path, long from, long to) {
        Path file = resolve(path);
        if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return "error: no file " + path;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int start = (int) Math.max(1, from);
            int end = (int) Math.min(lines.size(), to < start ? lines.size() : to);
            end = Math.min(end, start + MAX_READ_LINES - 1);
            StringBuilder out = new StringBuilder();
            for (int i = start; i <= end; i++) {
                out.append(i).append(": ").append(lines.get(i - 1)).append('\n');
            }
            return out.isEmpty()
                    ? "(no lines " + from + "–" + to + "; the file has " + lines.size() + ")"
                    : out.toString();
        } catch (IOException e) {
            return "error: " + path + " is not a UTF-8 text file";
        }
    }

    /**
     * Replaces the one occurrence of {@code search} in the file: exactly, else ignoring differences in leading and
     * trailing whitespace of each line. Stands in until {@code EditBlocks} (same package, another branch) is merged.
     */
    String edit(String path, String search, String replace) {
        Path file = resolve(path);
        if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return "error: no file " + path;
        }
        if (search == null || search.isEmpty()) {
            return "error: search text is empty";
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int at = text.indexOf(search);
            if (at >= 0 && text.indexOf(search, at + 1) < 0) {
                Files.writeString(file, text.substring(0, at) + replace + text.substring(at + search.length()));
                changed.add(path);
                edits++;
                return "applied to " + path;
            }
            if (at >= 0) {
                return "error: the search text occurs more than once in " + path + "; include more context";
            }
            String fuzzy = replaceLines(text, search, replace);
            if (fuzzy == null) {
                return "error: the search text was not found in " + path + "; read the file and copy it exactly";
            }
            Files.writeString(file, fuzzy);
            changed.add(path);
            edits++;
            return "applied to " + path + " (whitespace-tolerant match)";
        } catch (IOException e) {
            return "error: cannot edit " + path;
        }
    }

    private static String replaceLines(String text, String search, String replace) {
        List<String> lines = List.of(text.split("\n", -1));
        List<String> wanted = List.of(search.strip().split("\n", -1));
        int found = -1;
        for (int i = 0; i + wanted.size() <= lines.size(); i++) {
            boolean match = true;
            for (int k = 0; k < wanted.size() && match; k++) {
                match = lines.get(i + k).strip().equals(wanted.get(k).strip());
            }
            if (match) {
                if (found >= 0) {
                    return null;
                }
                found = i;
            }
        }
        if (found < 0) {
            return null;
        }
        List<String> out = new ArrayList<>(lines.subList(0, found));
        out.add(replace.endsWith("\n") ? replace.substring(0, replace.length() - 1) : replace);
        out.addAll(lines.subList(found + wanted.size(), lines.size()));
        return String.join("\n", out);
    }

    String create(String path, String content) {
        Path file = resolve(path);
        if (file == null) {
            return "error: " + path + " is outside the repository";
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return "error: " + path + " exists; edit it instead";
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content == null ? "" : content);
            changed.add(path);
            edits++;
            return "created " + path;
        } catch (IOException e) {
            return "error: cannot create " + path;
        }
    }

    String delete(String path) {
        Path file = resolve(path);
        if (file == null || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return "error: no file " + path;
        }
        try {
            Files.delete(file);
            changed.add(path);
            edits++;
            return "deleted " + path;
        } catch (IOException e) {
            return "error: cannot delete " + path;
        }
    }

    String rename(String from, String to) {
        Path source = resolve(from);
        Path target = resolve(to);
        if (source == null || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            return "error: no file " + from;
        }
        if (target == null || Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return "error: cannot rename to " + to;
        }
        try {
            Files.createDirectories(target.getParent());
            Files.move(source, target);
            changed.add(from);
            changed.add(to);
            edits++;
            return "renamed " + from + " to " + to;
        } catch (IOException e) {
            return "error: cannot rename " + from;
        }
    }

    /** The file under the root that {@code path} names, or null when it would leave the root or enter .git. */
    private Path resolve(String path) {
        if (path == null || path.isBlank() || path.startsWith("/") || path.contains("\\")) {
            return null;
        }
        Path file = root.resolve(path).normalize();
        if (!file.startsWith(root) || file.equals(root) || path.equals(".git") || path.startsWith(".git/")) {
            return null;
        }
        return file;
    }
}
