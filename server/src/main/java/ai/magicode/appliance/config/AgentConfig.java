package ai.magicode.appliance.config;

import java.time.Duration;

/**
 * The agent's settings (section {@code agent}): how jobs are triggered, who commits, and the limits of each job.
 *
 * @param triggerLabel the issue label that starts a job
 * @param botLogin the App's bot login (assignment trigger; commit author name)
 * @param botEmail the commit author's e-mail
 * @param maxConcurrentPerTenant jobs running at once per tenant
 * @param maxConcurrentPerRepo jobs running at once per repository
 * @param maxTurns model calls per job at most
 * @param noProgressTurns model calls in a row without an edit before the job gives up
 * @param maxDuration wall time per job at most
 * @param maxCostUsd model cost per job at most, in US dollars
 * @param indexWait longest a job waits for a fresh index
 * @param draft whether pull requests are opened as drafts
 * @param sandboxEnabled whether a repository's {@code check.command} runs (in the podman sandbox) before a push
 * @param sandboxPodman the podman command and its global options, e.g. {@code podman --runtime runc}
 * @param sandboxImage the image the check command runs in (installed locally; never pulled)
 * @param maxCheckFixes how many times the agent tries to fix a failed check on one of its pull requests
 */
public record AgentConfig(
        String triggerLabel,
        String botLogin,
        String botEmail,
        int maxConcurrentPerTenant,
        int maxConcurrentPerRepo,
        int maxTurns,
        int noProgressTurns,
        Duration maxDuration,
        double maxCostUsd,
        Duration indexWait,
        boolean draft,
        boolean sandboxEnabled,
        java.util.List<String> sandboxPodman,
        String sandboxImage,
        int maxCheckFixes) {
    public AgentConfig {
        sandboxPodman = java.util.List.copyOf(sandboxPodman);
    }

    static AgentConfig from(ConfigValues values) {
        String label = values.string("agent.trigger-label").strip();
        if (label.isEmpty() || label.length() > 50) {
            throw values.invalid("agent.trigger-label", "a label name of 1 to 50 characters");
        }
        return new AgentConfig(
                label,
                values.string("agent.bot-login").strip(),
                values.string("agent.bot-email").strip(),
                (int) values.integer("agent.max-concurrent-per-tenant", 1, 1000),
                (int) values.integer("agent.max-concurrent-per-repo", 1, 100),
                (int) values.integer("agent.max-turns", 1, 1000),
                (int) values.integer("agent.no-progress-turns", 1, 1000),
                values.duration("agent.max-duration", Duration.ofSeconds(10), Duration.ofHours(24)),
                values.integer("agent.max-cost-cents", 0, 10_000_000) / 100.0,
                values.duration("agent.index-wait", Duration.ZERO, Duration.ofHours(2)),
                values.bool("agent.draft"),
                values.bool("agent.sandbox.enabled"),
                podman(values),
                image(values),
                (int) values.integer("agent.max-check-fixes", 0, 20));
    }

    private static java.util.List<String> podman(ConfigValues values) {
        java.util.List<String> words =
                java.util.List.of(values.string("agent.sandbox.podman").strip().split("\\s+"));
        if (words.getFirst().isEmpty()) {
            throw values.invalid("agent.sandbox.podman", "the podman command, e.g. podman --runtime runc");
        }
        return words;
    }

    private static String image(ConfigValues values) {
        String image = values.string("agent.sandbox.image").strip();
        if (image.isEmpty() || image.startsWith("-") || image.chars().anyMatch(Character::isWhitespace)) {
            throw values.invalid("agent.sandbox.image", "an image name such as localhost/magicode-check:1");
        }
        return image;
    }

    /** The defaults, for tests that build components without a configuration file. */
    public static AgentConfig defaults() {
        return from(ConfigValues.load(java.util.Optional.empty(), java.util.Map.of()));
    }
}
