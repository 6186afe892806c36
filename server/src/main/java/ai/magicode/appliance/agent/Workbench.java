package ai.magicode.appliance.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The job's files as the model's tools see them: list and read line ranges here; edit (search/replace, create, delete,
 * rename) through {@link EditBlocks}, inside the job's work tree, never outside it. Remembers which paths changed.
 * Every answer is short text for the model; a refused action is an answer too (the rejection reason), so the model
 * can correct itself.
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
     * Applies a search/replace block through {@link EditBlocks#apply}: an exact, unique match first, then a
     * whitespace-tolerant one. The answer is "edited PATH" (noting a whitespace-tolerant match) or the rejection reason.
     */
    String edit(String path, String search, String replace) {
        return answer(EditBlocks.apply(root, path, search, replace), "edited ", path);
    }

    String create(String path, String content) {
        return answer(EditBlocks.create(root, path, content), "created ", path);
    }

    String delete(String path) {
        return answer(EditBlocks.delete(root, path), "deleted ", path);
    }

    String rename(String from, String to) {
        EditBlocks.Result result = EditBlocks.rename(root, from, to);
        if (result instanceof EditBlocks.Result.Applied applied) {
            changed.add(EditBlocks.CheckedPath.of(from).path().orElse(from));
            changed.add(applied.path());
            edits++;
            return "renamed " + from + " to " + applied.path();
        }
        return answer(result, "renamed ", from);
    }

    private String answer(EditBlocks.Result result, String verb, String path) {
        return switch (result) {
            case EditBlocks.Result.Applied applied -> {
                changed.add(applied.path());
                edits++;
                yield verb + applied.path() + (applied.fuzzy() ? " (whitespace-tolerant match)" : "");
            }
            case EditBlocks.Result.Rejected rejected -> rejected.reason();
        };
    }

    /**
     * The file under the root that {@code path} names, or null when the path is not acceptable to {@link EditBlocks}
     * (absolute, {@code ..}, {@code .git}) or leads outside the root through a symbolic link.
     */
    private Path resolve(String path) {
        Optional<String> clean = EditBlocks.CheckedPath.of(path).path();
        if (clean.isEmpty()) {
            return null;
        }
        Path file = root.resolve(clean.get());
        try {
            return file.toRealPath().startsWith(root.toRealPath()) ? file : null;
        } catch (IOException e) {
            return null;
        }
    }
}
