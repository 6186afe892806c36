package ai.magicode.appliance.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench index-query} on a small generated index: it searches for real and cleans up (no timing asserted). */
class QueryBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void findsTheTargetFileOfMostGeneratedIssuesAndDeletesItsIndex() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueryBenchmark.Result result =
                QueryBenchmark.run(dir, 3000, 40, new PrintStream(out, true, StandardCharsets.UTF_8));
        assertTrue(result.chunks() >= 3000, result.toString());
        assertTrue(result.top1() > 0.8, "target file first in only " + result.top1());
        assertTrue(result.bytesPerChunk() > 0 && result.p99Millis() >= result.p50Millis(), result.toString());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the scratch index is deleted");
        }
        assertFalse(out.toString(StandardCharsets.UTF_8).isEmpty());
    }

    @Test
    void generatedSourcesChunkIntoOneChunkPerMethodAtLeast() {
        assertTrue(
                Chunker.chunk(QueryBenchmark.path(3), QueryBenchmark.source(3)).size() >= QueryBenchmark.METHODS);
    }
}
