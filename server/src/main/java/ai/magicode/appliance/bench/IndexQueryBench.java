package ai.magicode.appliance.bench;

import ai.magicode.appliance.index.QueryBenchmark;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench index-query}: hybrid search p50/p99 on a generated index of many chunks, bytes per chunk and
 * heap in use. For docs/performance.md.
 */
@Command(
        name = "index-query",
        mixinStandardHelpOptions = true,
        description = "Hybrid search latency on a generated index of many chunks; see docs/performance.md.")
final class IndexQueryBench implements Runnable {
    @Option(names = "--chunks", defaultValue = "1000000", description = "Chunks in the generated index.")
    long chunks;

    @Option(names = "--queries", defaultValue = "500", description = "Measured searches (after up to 100 warm-up).")
    int queries;

    @Option(
            names = "--dir",
            defaultValue = ".",
            description = "Parent of the scratch index directory (deleted afterwards; keep it on the data disk).")
    Path parent;

    @Override
    public void run() {
        QueryBenchmark.Result result = QueryBenchmark.run(parent, chunks, queries, System.out);
        System.out.printf(
                "goal: p99 < 50 ms %s (%.1f ms)%n", result.p99Millis() < 50 ? "met" : "MISSED", result.p99Millis());
    }
}
