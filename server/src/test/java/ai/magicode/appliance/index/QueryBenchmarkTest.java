package ai.magicode.appliance.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench index-query} on a small generated index: it searches for real and keeps the index for a later run (no timing asserted). */
class QueryBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void findsTheTargetFileOfMostGeneratedIssuesAndReusesItsIndexInALaterRun() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        QueryBenchmark.Result built = QueryBenchmark.run(dir, 3000, 0, 0, print);
        assertFalse(built.reused());
        assertTrue(built.chunks() >= 3000, built.toString());
        assertTrue(Double.isNaN(built.p50Millis()), "no queries when building only");
        QueryBenchmark.Result result = QueryBenchmark.run(dir, 3000, 40, 10, print);
        assertTrue(result.reused(), result.toString());
        assertEquals(built.chunks(), result.chunks());
        assertTrue(result.top1() > 0.8, "target file first in only " + result.top1());
        assertTrue(result.recallAt10() > 0.5 && result.recallAt10() <= 1.0, result.toString());
        assertTrue(result.bytesPerChunk() > 0 && result.p99Millis() >= result.p50Millis(), result.toString());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(QueryBenchmark.indexDirectory(dir, 3000)), left.toList(), "one kept index");
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("reusing the index"));
    }

    @Test
    void generatedSourcesChunkIntoOneChunkPerMethodAtLeast() {
        assertTrue(
                Chunker.chunk(QueryBenchmark.path(3), QueryBenchmark.source(3)).size() >= QueryBenchmark.METHODS);
    }
}
