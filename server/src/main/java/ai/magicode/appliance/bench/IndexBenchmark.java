package ai.magicode.appliance.bench;

import ai.magicode.appliance.git.GeneratedRepository;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.index.CodeIndex;
import ai.magicode.appliance.index.Embedder;
import ai.magicode.appliance.index.IndexStats;
import ai.magicode.appliance.llm.Embeddings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench index}: builds a fresh index of a repository at a commit (a given one, or one generated with
 * {@code --generate} files) and compares its end-to-end chunk rate with the raw embedding rate of the same model on
 * the same chunk texts, measured in the same run.
 */
@Command(
        name = "index",
        mixinStandardHelpOptions = true,
        description = "Indexing throughput versus raw embedding throughput; see docs/performance.md.")
public final class IndexBenchmark implements Callable<Integer> {
    @Option(names = "--repo", paramLabel = "DIR", description = "Work tree or bare repository.")
    Path repo;

    @Option(
            names = "--generate",
            paramLabel = "FILES",
            description = "Instead of --repo, generate a repository of this many files (Java, Python, TypeScript, Go).")
    int generate;

    @Option(names = "--units", defaultValue = "4", description = "Functions per generated file.")
    int units;

    @Option(names = "--rev", defaultValue = "HEAD", paramLabel = "REV", description = "Commit (default: HEAD).")
    String rev;

    @Override
    public Integer call() throws IOException {
        if ((repo == null) == (generate <= 0)) {
            System.err.println("Give either --repo DIR or --generate FILES.");
            return 2;
        }
        if (repo != null) {
            return measure();
        }
        Path dir = Files.createTempDirectory("magicode-bench-repo");
        try (GeneratedRepository generated =
                GeneratedRepository.create(dir, new GeneratedSources(units).files(generate))) {
            repo = generated.location();
            return measure();
        }
    }

    private int measure() throws IOException {
        Embeddings embeddings = Embeddings.create();
        Embedder embedder = new Embedder(Embeddings.MODEL, embeddings.dimension(), embeddings::embed);
        Path dir = Files.createTempDirectory("magicode-bench-index");
        try (GitRepository repository = GitRepository.open(repo)) {
            embeddings.embed(List.of("warm up the model")); // loading is not indexing
            IndexStats stats = CodeIndex.open(dir, true, CodeIndex.DEFAULT_MAX_FILE_BYTES, embedder)
                    .update(repository, rev);
            double endToEnd = stats.chunksEmbedded() / stats.totalSeconds();
            List<String> texts = CodeIndex.embedTexts(repository, rev, stats.chunksEmbedded());
            long started = System.nanoTime();
            for (int i = 0; i < texts.size(); i += 64) {
                embeddings.embed(texts.subList(i, Math.min(texts.size(), i + 64)));
            }
            double raw = texts.size() / ((System.nanoTime() - started) / 1e9);
            System.out.printf(
                    "%s at %s: %d files, %d chunks (%d embedded), skipped %s, %.1f s%n",
                    repo,
                    stats.commit().substring(0, 12),
                    stats.filesIndexed(),
                    stats.chunksIndexed(),
                    stats.chunksEmbedded(),
                    stats.skipped(),
                    stats.totalSeconds());
            long bytes;
            try (var files = Files.walk(dir.resolve("lucene"))) {
                bytes = files.filter(Files::isRegularFile)
                        .mapToLong(f -> f.toFile().length())
                        .sum();
            }
            System.out.printf(
                    "index %d bytes, %.0f bytes per chunk (vectors stored twice: HNSW and a copy for reuse)%n",
                    bytes, (double) bytes / Math.max(1, stats.chunksIndexed()));
            System.out.printf(
                    "end to end %.1f chunks/s, raw embedding %.1f chunks/s (%d texts), ratio %.2f%n",
                    endToEnd, raw, texts.size(), endToEnd / raw);
        } finally {
            CodeIndex.deleteIndex(dir);
        }
        return 0;
    }
}
