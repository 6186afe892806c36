package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magicode bench agent} still runs end to end on a small repository: every job opens its pull request through
 * the doubles. No timing is asserted (the figures belong in docs/performance.md).
 */
class AgentBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    void everyJobOfTheBenchmarkOpensItsPullRequest() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        AgentBenchmark.Result result =
                AgentBenchmark.run(dir, 40, 2, 3, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String output = printed.toString(StandardCharsets.UTF_8);
        assertEquals(0, result.concurrentErrors(), output);
        assertEquals(3, result.concurrentJobs());
        assertTrue(result.sequentialMedian() > 0 && result.concurrentP99() >= result.concurrentP50(), output);
        assertTrue(
                result.steps().keySet().containsAll(java.util.List.of("fetch", "edit", "push", "pull-request")),
                result.steps().toString());
        assertTrue(output.contains("3 jobs at once"), output);
    }
}
