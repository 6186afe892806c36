package ai.magicode.appliance.bench;

import ai.magicode.appliance.agent.AgentBenchmark;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench agent}: the appliance's overhead per agent job (trigger to draft pull request, model time
 * subtracted) on a generated repository with a warm index, one job at a time and many at once. For
 * docs/performance.md.
 */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = "Agent job overhead without model time: one at a time, then many at once.")
final class AgentBench implements Runnable {
    @Option(names = "--files", defaultValue = "1000", description = "Files in the generated repository.")
    int files;

    @Option(names = "--jobs", defaultValue = "10", description = "Jobs run one at a time.")
    int jobs;

    @Option(names = "--concurrent", defaultValue = "20", description = "Jobs started at once.")
    int concurrent;

    @Option(
            names = "--dir",
            defaultValue = ".",
            description = "Parent of the scratch directory (default: the current directory; keep it on the data disk).")
    Path parent;

    @Override
    public void run() {
        AgentBenchmark.Result result = AgentBenchmark.run(parent, files, jobs, concurrent, System.out);
        System.out.printf(
                "goals: overhead per job < 2000 ms %s (%.0f ms median wall, %.0f ms CPU); %d at once without errors %s"
                        + " (%d errors)%n",
                result.sequentialMedian() < 2000 ? "met" : "MISSED",
                result.sequentialMedian(),
                result.cpuPerJob(),
                result.concurrentJobs(),
                result.concurrentErrors() == 0 ? "met" : "MISSED",
                result.concurrentErrors());
    }
}
