package ai.magicode.appliance.bench;

import ai.magicode.appliance.github.WebhookBenchmark;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench webhooks}: signed webhook deliveries accepted durably per second and their p99 latency,
 * against a no-op route on the same listener in the same run. For docs/performance.md.
 */
@Command(
        name = "webhooks",
        mixinStandardHelpOptions = true,
        description = "Signed webhook deliveries accepted durably per second and p99, against a no-op route.")
final class WebhooksBench implements Runnable {
    @Option(names = "--seconds", defaultValue = "5", description = "Length of each load slice.")
    int seconds;

    @Option(
            names = "--warmup",
            defaultValue = "45",
            description = "Seconds of unmeasured load on both routes before the rounds (the JIT compiler settles).")
    int warmup;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating webhook/no-op rounds.")
    int rounds;

    @Option(names = "--connections", defaultValue = "16", description = "Concurrent keep-alive senders.")
    int connections;

    @Option(
            names = "--dir",
            defaultValue = ".",
            description = "Parent of the scratch directory (default: the current directory; keep it on the data disk).")
    Path parent;

    @Override
    public void run() {
        WebhookBenchmark.Result result = WebhookBenchmark.run(
                parent, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), rounds, connections, System.out);
        System.out.printf(
                "goals: > 2000/s %s (%.0f/s); p99 < 20 ms %s (%.1f ms); ratio to no-op > 0.5 %s (%.2f)%n",
                result.webhooksPerSecond() > 2000 ? "met" : "MISSED",
                result.webhooksPerSecond(),
                result.webhookP99Millis() < 20 ? "met" : "MISSED",
                result.webhookP99Millis(),
                result.ratio() > 0.5 ? "met" : "MISSED",
                result.ratio());
        System.out.printf(
                "in-process (no HTTP): %.0f/s, p99 %.1f ms, %.0f µs CPU per delivery%n",
                result.inProcessPerSecond(), result.inProcessP99Millis(), result.inProcessCpuMicros());
    }
}
