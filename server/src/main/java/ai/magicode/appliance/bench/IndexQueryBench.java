package ai.magicode.appliance.bench;

import ai.magicode.appliance.index.QueryBenchmark;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench index-query}: hybrid search p50/p99 on a generated index of many chunks, bytes per chunk and
 * heap in use, and the vector search's recall against exact search. The index is kept in {@code --dir} for later runs.
 * For docs/performance.md.
 */
@Command(
        name = "index-query",
        mixinStandardHelpOptions = true,
        description = "Hybrid search latency on a generated index of many chunks; see docs/performance.md.")
final class IndexQueryBench implements Runnable {
    @Option(names = "--chunks", defaultValue = "1000000", description = "Chunks in the generated index.")
    long chunks;

    @Option(
            names = "--queries",
            defaultValue = "500",
            description = "Measured searches (after up to 100 warm-up); 0 builds the index only.")
    int queries;

    @Option(
            names = "--recall-sample",
            defaultValue = "50",
            description = "Queries whose vector search is compared with exact search (recall@10); 0: none.")
    int recallSample;

    @Option(
            names = "--dir",
            defaultValue = ".",
            description = "Where the generated index is kept (DIR/magicode-bench-query-CHUNKS): a later run with the"
                    + " same --chunks reuses it, so building and querying can run separately. Delete it to rebuild.")
    Path parent;

    @Override
    public void run() {
        QueryBenchmark.Result result = QueryBenchmark.run(parent, chunks, queries, recallSample, System.out);
        if (queries > 0) {
            System.out.printf(
                    "goal: p99 < 50 ms %s (%.1f ms); load average %.2f%n",
                    result.p99Millis() < 50 ? "met" : "MISSED",
                    result.p99Millis(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
