package ai.magicode.appliance.bench;

import ai.magicode.appliance.auth.AuthBenchmark;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench auth}: bearer-token validation cost with a warm JWKS cache, and requests/s of an
 * authenticated no-op route against the same route unauthenticated. For docs/performance.md.
 */
@Command(
        name = "auth",
        mixinStandardHelpOptions = true,
        description = "Bearer validation cost and authenticated vs unauthenticated req/s.")
final class AuthBench implements Runnable {
    @Option(names = "--validations", defaultValue = "200000", description = "Validations to time.")
    int validations;

    @Option(names = "--seconds", defaultValue = "5", description = "Length of each load slice.")
    int seconds;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating authenticated/unauthenticated rounds.")
    int rounds;

    @Option(names = "--connections", defaultValue = "8", description = "Concurrent keep-alive clients.")
    int connections;

    @Override
    public void run() {
        AuthBenchmark.Result result =
                AuthBenchmark.run(validations, Duration.ofSeconds(seconds), rounds, connections, System.out);
        System.out.printf(
                "goals: validation < 50 µs: signature checked %s (%.1f µs), repeat token %s (%.2f µs); ratio > 0.8: %s (%.2f)%n",
                result.validationMicros() < 50 ? "met" : "MISSED",
                result.validationMicros(),
                result.cachedMicros() < 50 ? "met" : "MISSED",
                result.cachedMicros(),
                result.ratio() > 0.8 ? "met" : "MISSED",
                result.ratio());
    }
}
