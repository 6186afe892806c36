package ai.magicode.appliance.index;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The figures of {@code magicode bench index-query}: hybrid search latency (p50, p99) on a generated index of many
 * chunks, its bytes per chunk and the heap in use with its reader open. The repository is generated (Java-like
 * classes of {@value #METHODS} methods with identifiers from a fixed vocabulary, seeded), indexed through the same
 * chunking, term hashing and documents as a real update; vectors come from a deterministic feature-hashing embedder
 * (identifier parts hashed into {@value #DIMENSION} dimensions), for the chunks and the queries alike, so that no
 * model time is in the figures: a real query additionally pays one MiniLM embedding.
 */
public final class QueryBenchmark {
    static final int METHODS = 20;
    static final int DIMENSION = 384;
    private static final String[] AREAS = words(new Random(1), 60);
    private static final String[] WORDS = words(new Random(2), 4000);
    private static final String[] KINDS = {
        "Service",
        "Repository",
        "Parser",
        "Controller",
        "Client",
        "Mapper",
        "Validator",
        "Scheduler",
        "Cache",
        "Handler"
    };
    private static final String[] VERBS = {
        "load",
        "save",
        "compute",
        "resolve",
        "parse",
        "render",
        "validate",
        "merge",
        "refresh",
        "export",
        "import",
        "schedule",
        "cancel",
        "retry",
        "archive",
        "notify"
    };

    private QueryBenchmark() {}

    /**
     * The measured figures.
     *
     * @param chunks chunks in the index
     * @param files files in the index
     * @param reused whether an index built by an earlier run was searched (then {@code buildSeconds} is 0)
     * @param buildSeconds time to generate and build the index (not a goal figure)
     * @param p50Millis median hybrid search latency (NaN when no query ran)
     * @param p99Millis 99th percentile hybrid search latency (NaN when no query ran)
     * @param bytesPerChunk index bytes on disk per chunk
     * @param heapBytes heap in use after a full GC with the reader open, after the queries
     * @param top1 share of queries whose target file ranks first (a sanity check that the searches do real work)
     * @param recallAt10 share of the exact 10 nearest chunks that the HNSW search (as the hybrid search runs it)
     *     returns among its first 10, over the recall sample (NaN without one)
     */
    public record Result(
            long chunks,
            int files,
            boolean reused,
            double buildSeconds,
            double p50Millis,
            double p99Millis,
            double bytesPerChunk,
            long heapBytes,
            double top1,
            double recallAt10) {}

    /** The index directory of a run with {@code chunks} chunks under {@code parent}: kept, so later runs reuse it. */
    public static Path indexDirectory(Path parent, long chunks) {
        return parent.toAbsolutePath().resolve("magicode-bench-query-" + chunks);
    }

    /**
     * Searches the index of at least {@code chunks} chunks kept in {@link #indexDirectory} (building it when it is
     * missing or incompatible), running {@code queries} searches (none: build only) and measuring the vector
     * search's recall against exact search on {@code recallSample} of them.
     */
    public static Result run(Path parent, long chunks, int queries, int recallSample, PrintStream out) {
        Path dir = indexDirectory(parent, chunks);
        try {
            Embedder embedder = new Embedder("feature-hashing-" + DIMENSION, DIMENSION, QueryBenchmark::embed);
            CodeIndex index = CodeIndex.open(dir, true, CodeIndex.DEFAULT_MAX_FILE_BYTES, embedder);
            int perFile = Chunker.chunk(path(0), source(0)).size();
            int files = (int) ((chunks + perFile - 1) / perFile);
            String commit = "generated-" + files + "x" + perFile;
            boolean reused = index.indexedCommit().filter(commit::equals).isPresent();
            double buildSeconds = 0;
            if (reused) {
                out.printf("reusing the index in %s%n", dir);
            } else {
                out.printf("building %d files (%d chunks each) in %s ...%n", files, perFile, dir);
                long started = System.nanoTime();
                index.build(commit, generated(files));
                buildSeconds = (System.nanoTime() - started) / 1e9;
            }
            long bytes;
            try (Stream<Path> walk = Files.walk(index.luceneDir())) {
                bytes = walk.filter(Files::isRegularFile)
                        .mapToLong(f -> f.toFile().length())
                        .sum();
            }
            try (CodeIndex.Searcher searcher = index.openSearcher()) {
                long indexed = searcher.count("chunk");
                out.printf(
                        "%s %d chunks in %d segments in %.0f s; index %d bytes%n",
                        reused ? "reused" : "built", indexed, searcher.segments(), buildSeconds, bytes);
                double recall = recallSample > 0 ? recall(searcher, files, recallSample) : Double.NaN;
                if (recallSample > 0) {
                    out.printf("vector recall@10 against exact search: %.3f over %d queries%n", recall, recallSample);
                }
                SplittableRandom random = new SplittableRandom(7);
                for (int i = 0; i < Math.min(100, queries); i++) { // warm-up
                    int file = random.nextInt(files);
                    searcher.search(issue(file, random.nextInt(METHODS)), 10, true);
                }
                long[] nanos = new long[queries];
                int first = 0;
                for (int i = 0; i < queries; i++) {
                    int file = random.nextInt(files);
                    String issue = issue(file, random.nextInt(METHODS));
                    long t = System.nanoTime();
                    List<FileScore> found = searcher.search(issue, 10, true);
                    nanos[i] = System.nanoTime() - t;
                    if (!found.isEmpty() && found.getFirst().path().equals(path(file))) {
                        first++;
                    }
                }
                Arrays.sort(nanos);
                System.gc();
                Runtime runtime = Runtime.getRuntime();
                long heap = runtime.totalMemory() - runtime.freeMemory();
                Result result = new Result(
                        indexed,
                        files,
                        reused,
                        buildSeconds,
                        queries == 0 ? Double.NaN : nanos[queries / 2] / 1e6,
                        queries == 0
                                ? Double.NaN
                                : nanos[(int) Math.min(queries - 1, Math.ceil(queries * 0.99) - 1)] / 1e6,
                        (double) bytes / indexed,
                        heap,
                        queries == 0 ? Double.NaN : (double) first / queries,
                        recall);
                if (queries > 0) {
                    out.printf(
                            "hybrid search on %d chunks (%d files): p50 %.1f ms, p99 %.1f ms over %d queries;"
                                    + " %.0f bytes per chunk; heap in use %d MB (max %d MB); target file first in"
                                    + " %.0f%%%n",
                            result.chunks(),
                            result.files(),
                            result.p50Millis(),
                            result.p99Millis(),
                            queries,
                            result.bytesPerChunk(),
                            heap >> 20,
                            runtime.maxMemory() >> 20,
                            100 * result.top1());
                }
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mean share of the exact 10 nearest chunks among the HNSW search's first 10, over generated issue vectors. */
    private static double recall(CodeIndex.Searcher searcher, int files, int sample) throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        double sum = 0;
        for (int i = 0; i < sample; i++) {
            float[] query = embed(List.of(issue(random.nextInt(files), random.nextInt(METHODS))))[0];
            Set<Integer> approximate = searcher.nearest(query, 10, false);
            Set<Integer> exact = searcher.nearest(query, 10, true);
            approximate.retainAll(exact);
            sum += (double) approximate.size() / Math.max(1, exact.size());
        }
        return sum / sample;
    }

    private static Iterator<Map.Entry<String, String>> generated(int files) {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < files;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (next >= files) {
                    throw new NoSuchElementException();
                }
                int file = next++;
                return Map.entry(path(file), source(file));
            }
        };
    }

    private static String area(int file) {
        return AREAS[file % AREAS.length];
    }

    private static String className(int file) {
        return capital(WORDS[(file * 31) % WORDS.length])
                + capital(WORDS[(file / 7 * 17 + 3) % WORDS.length])
                + KINDS[file % KINDS.length]
                + file;
    }

    private static String method(int file, int m) {
        return VERBS[(file + m) % VERBS.length]
                + capital(WORDS[(file * 13 + m * 101) % WORDS.length])
                + capital(WORDS[(file * 7 + m * 37 + 11) % WORDS.length]);
    }

    static String path(int file) {
        return "src/main/java/com/acme/" + area(file) + "/" + WORDS[(file / AREAS.length) % 500] + "/" + className(file)
                + ".java";
    }

    static String source(int file) {
        StringBuilder s = new StringBuilder();
        s.append("package com.acme.").append(area(file)).append(";\n\n");
        s.append("public final class ").append(className(file)).append(" {\n");
        for (int m = 0; m < METHODS; m++) {
            String noun = WORDS[(file * 3 + m * 7) % WORDS.length];
            s.append("    public Result ")
                    .append(method(file, m))
                    .append("(Request ")
                    .append(noun)
                    .append(") {\n");
            s.append("        if (")
                    .append(noun)
                    .append(" == null) {\n            throw new IllegalStateException(\"")
                    .append(noun)
                    .append(" is missing for ")
                    .append(area(file))
                    .append("\");\n        }\n");
            s.append("        return store.")
                    .append(VERBS[m % VERBS.length])
                    .append(capital(noun))
                    .append("(")
                    .append(noun)
                    .append(".id());\n    }\n\n");
        }
        return s.append("}\n").toString();
    }

    /** An issue text about one method: a title naming the behaviour, a message and a stack frame. */
    static String issue(int file, int m) {
        String noun = WORDS[(file * 3 + m * 7) % WORDS.length];
        return "IllegalStateException when calling " + method(file, m) + " in " + area(file) + "\n\n"
                + "The call fails with \"" + noun + " is missing for " + area(file) + "\":\n"
                + "    at com.acme." + area(file) + "." + className(file) + "." + method(file, m) + "("
                + className(file)
                + ".java:" + (4 + 8 * m) + ")\n";
    }

    /** Identifier parts hashed into signed buckets, normalised: similar vocabulary gives similar vectors. */
    static float[][] embed(List<String> texts) {
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            float[] v = new float[DIMENSION];
            for (String term : IdentifierTokens.of(texts.get(i))) {
                int h = term.hashCode() * 0x9E3779B1;
                v[Math.floorMod(h, DIMENSION)] += (h & 0x10000) == 0 ? 1 : -1;
            }
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            if (norm == 0) {
                v[0] = 1;
                norm = 1;
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < DIMENSION; d++) {
                v[d] *= scale;
            }
            vectors[i] = v;
        }
        return vectors;
    }

    private static String[] words(Random random, int count) {
        String[] syllables = {
            "ka", "lo", "mi", "ren", "tor", "va", "sel", "dun", "pra", "qui", "zo", "bel", "cor", "fen", "gal", "hux",
            "jin", "lum", "mor", "nex", "pol", "ras", "sun", "tek", "vin", "wel", "yar", "zen"
        };
        List<String> words = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (words.size() < count) {
            int n = 2 + random.nextInt(2);
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < n; i++) {
                w.append(syllables[random.nextInt(syllables.length)]);
            }
            if (seen.add(w.toString())) {
                words.add(w.toString());
            }
        }
        return words.toArray(String[]::new);
    }

    private static String capital(String word) {
        return word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
    }
}
