package ai.magicode.appliance.bench;

import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.index.CodeIndex;
import ai.magicode.appliance.index.Embedder;
import ai.magicode.appliance.index.FileScore;
import ai.magicode.appliance.index.IndexStats;
import ai.magicode.appliance.llm.Embeddings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench localize}: runs a JSONL set of issues (repo, base_commit, problem_statement, gold_files) and
 * prints Acc@1/3/5/10 per repository and overall for the hybrid ranking and for the plain BM25 baseline, both from the
 * same index, plus seconds per issue. Issues of one repository are visited in commit order and share one index, which
 * moves between revisions incrementally.
 */
@Command(
        name = "localize",
        mixinStandardHelpOptions = true,
        description = "Accuracy of magicode localize on a JSONL issue set; see docs/performance.md.")
public final class LocalizeBenchmark implements Callable<Integer> {
    private static final int[] KS = {1, 3, 5, 10};

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "JSONL issues.")
    Path dataset;

    @Option(
            names = "--repos",
            required = true,
            paramLabel = "DIR",
            description = "Holds each repository as owner__name or owner/name (work tree or bare).")
    Path repos;

    @Option(
            names = "--mode",
            defaultValue = "hybrid",
            description = "hybrid: vectors + lexical (also reports BM25); bm25: lexical index only, no embeddings.")
    String mode;

    @Option(names = "--limit", defaultValue = "0", description = "Run only the first N issues (0: all).")
    int limit;

    @Option(names = "--repo", description = "Run only issues of this owner/name.")
    String onlyRepo;

    @Option(
            names = "--index-dir",
            paramLabel = "DIR",
            description = "Where the per-repository indexes live (default: DIR/.magicode-bench-index under --repos).")
    Path indexDir;

    @Option(names = "--verbose", description = "Print each issue's gold files and top 5.")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> issues = new ArrayList<>();
        for (String line : Files.readAllLines(dataset)) {
            if (!line.isBlank()) {
                JsonNode issue = json.readTree(line);
                if (onlyRepo == null || onlyRepo.equals(issue.path("repo").asText())) {
                    issues.add(issue);
                }
            }
        }
        if (limit > 0 && issues.size() > limit) {
            issues = issues.subList(0, limit);
        }
        boolean hybrid = !"bm25".equals(mode);
        Embedder embedder = null;
        if (hybrid) {
            Embeddings embeddings = Embeddings.create();
            embedder = new Embedder(Embeddings.MODEL, embeddings.dimension(), embeddings::embed);
        }
        Path indexes = indexDir != null ? indexDir : repos.resolve(".magicode-bench-index");
        Map<String, List<JsonNode>> byRepo = new TreeMap<>();
        for (JsonNode issue : issues) {
            byRepo.computeIfAbsent(issue.path("repo").asText(), r -> new ArrayList<>())
                    .add(issue);
        }
        String fused = hybrid ? "hybrid" : "lexical fusion (no vectors)";
        Map<String, Tally> tallies = new LinkedHashMap<>();
        double totalSeconds = 0;
        double searchSeconds = 0;
        long chunksEmbedded = 0;
        double embedSeconds = 0;
        double updateSeconds = 0;
        int done = 0;
        for (var entry : byRepo.entrySet()) {
            Path dir = locate(entry.getKey());
            try (GitRepository repo = GitRepository.open(dir)) {
                List<JsonNode> ordered = new ArrayList<>(entry.getValue());
                ordered.sort(Comparator.comparingLong(
                        i -> repo.commitTime(i.path("base_commit").asText())));
                CodeIndex index = CodeIndex.open(
                        indexes.resolve(entry.getKey().replace('/', '_') + (hybrid ? "" : "-bm25")),
                        true,
                        CodeIndex.DEFAULT_MAX_FILE_BYTES,
                        embedder);
                for (JsonNode issue : ordered) {
                    long started = System.nanoTime();
                    IndexStats stats =
                            index.update(repo, issue.path("base_commit").asText());
                    long searched = System.nanoTime();
                    String text = issue.path("problem_statement").asText();
                    List<FileScore> ranked = index.search(text, 10, true);
                    long finished = System.nanoTime();
                    List<FileScore> baseline = index.search(text, 10, false);
                    double seconds = (finished - started) / 1e9;
                    totalSeconds += seconds;
                    searchSeconds += (finished - searched) / 1e9;
                    updateSeconds += stats.totalSeconds();
                    embedSeconds += stats.embedSeconds();
                    chunksEmbedded += stats.chunksEmbedded();
                    Set<String> gold = new HashSet<>();
                    issue.path("gold_files").forEach(g -> gold.add(g.asText()));
                    String language = gold.stream().allMatch(g -> g.endsWith(".py"))
                            ? "Python"
                            : gold.stream().allMatch(g -> g.endsWith(".java")) ? "Java" : "other";
                    for (String group : List.of("all", language, entry.getKey())) {
                        tallies.computeIfAbsent(fused + " | " + group, g -> new Tally())
                                .add(ranked, gold);
                        tallies.computeIfAbsent("bm25 | " + group, g -> new Tally())
                                .add(baseline, gold);
                    }
                    done++;
                    System.err.printf(
                            "[%d/%d] %s %s: %s, %d embedded, %.1f s, hybrid rank %d, bm25 rank %d%n",
                            done,
                            issues.size(),
                            issue.path("id").asText(),
                            stats.commit().substring(0, 8),
                            stats.action(),
                            stats.chunksEmbedded(),
                            seconds,
                            Tally.rank(ranked, gold),
                            Tally.rank(baseline, gold));
                    if (verbose) {
                        System.err.println("  gold " + gold + "\n  top "
                                + ranked.stream().limit(5).map(FileScore::path).toList());
                    }
                }
            }
        }
        System.out.printf("%-52s %5s %6s %6s %6s %6s%n", "ranking | issues", "n", "Acc@1", "Acc@3", "Acc@5", "Acc@10");
        tallies.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(LocalizeBenchmark::groupOrder)))
                .forEach(e -> System.out.printf(
                        "%-52s %5d %s%n",
                        e.getKey(), e.getValue().n, e.getValue().row()));
        System.out.printf(
                "issues %d, %.2f s per issue (index update + hybrid search; search alone %.3f s), "
                        + "%d chunks embedded in %.1f s of %.1f s updating (%.1f chunks/s end to end)%n",
                done,
                totalSeconds / Math.max(1, done),
                searchSeconds / Math.max(1, done),
                chunksEmbedded,
                embedSeconds,
                updateSeconds,
                chunksEmbedded / Math.max(1e-9, updateSeconds));
        return 0;
    }

    private static String groupOrder(String key) {
        String group = key.substring(key.indexOf('|') + 2);
        int rank = group.equals("all") ? 0 : group.equals("Python") ? 1 : group.equals("Java") ? 2 : 3;
        return rank + group + key;
    }

    private Path locate(String repo) {
        for (Path candidate : List.of(repos.resolve(repo.replace("/", "__")), repos.resolve(repo))) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("Repository " + repo + " not found under " + repos + " (expected "
                + repo.replace("/", "__") + " or " + repo + ")");
    }

    /** Hits at each cut-off: an issue counts when all its gold files are in the top k. */
    static final class Tally {
        int n;
        final int[] hits = new int[KS.length];

        void add(List<FileScore> ranked, Set<String> gold) {
            n++;
            int rank = rank(ranked, gold);
            for (int i = 0; i < KS.length; i++) {
                if (rank > 0 && rank <= KS[i]) {
                    hits[i]++;
                }
            }
        }

        /** The 1-based rank at which the last gold file appears, or 0 when one is missing from the list. */
        static int rank(List<FileScore> ranked, Set<String> gold) {
            int worst = 0;
            for (String g : gold) {
                int at = -1;
                for (int i = 0; i < ranked.size(); i++) {
                    if (ranked.get(i).path().equals(g)) {
                        at = i + 1;
                        break;
                    }
                }
                if (at < 0) {
                    return 0;
                }
                worst = Math.max(worst, at);
            }
            return worst;
        }

        String row() {
            StringBuilder s = new StringBuilder();
            for (int hit : hits) {
                s.append(String.format(" %6.1f", 100.0 * hit / n));
            }
            return s.toString();
        }
    }
}
