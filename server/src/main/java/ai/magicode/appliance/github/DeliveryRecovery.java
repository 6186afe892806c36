package ai.magicode.appliance.github;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Recovers webhook deliveries the inbox missed (appliance down, network cut): lists the App's recent hook deliveries
 * and asks GitHub to redeliver each event whose delivery guid the inbox does not know. The inbox de-duplicates, so
 * asking twice is harmless. Run at startup and periodically (the composition root schedules it).
 */
public final class DeliveryRecovery {
    private static final System.Logger LOG = System.getLogger(DeliveryRecovery.class.getName());

    /**
     * What a run did.
     *
     * @param listed delivery attempts listed in the window
     * @param events distinct events (guids) among them
     * @param redelivered events GitHub was asked to redeliver
     * @param failed redelivery requests that failed (retried at the next run)
     */
    public record Result(int listed, int events, int redelivered, int failed) {}

    private final GitHub github;
    private final Predicate<String> inboxKnows;
    private final Clock clock;

    /**
     * @param inboxKnows whether the inbox holds the delivery with this {@code X-GitHub-Delivery} guid
     */
    public DeliveryRecovery(GitHub github, Predicate<String> inboxKnows) {
        this(github, inboxKnows, Clock.systemUTC());
    }

    DeliveryRecovery(GitHub github, Predicate<String> inboxKnows, Clock clock) {
        this.github = github;
        this.inboxKnows = inboxKnows;
        this.clock = clock;
    }

    /** Looks back {@code window} (GitHub keeps deliveries for a few days) and requests what is missing. */
    public Result recover(Duration window) {
        List<GitHub.HookDelivery> deliveries =
                github.hookDeliveries(clock.instant().minus(window));
        // Newest first from GitHub; keep the newest attempt of each event, and whether any attempt got a 2xx.
        Map<String, GitHub.HookDelivery> newest = new LinkedHashMap<>();
        for (GitHub.HookDelivery delivery : deliveries) {
            if (!delivery.guid().isEmpty()) {
                newest.putIfAbsent(delivery.guid(), delivery);
            }
        }
        int redelivered = 0;
        int failed = 0;
        for (GitHub.HookDelivery delivery : newest.values()) {
            if (inboxKnows.test(delivery.guid())) {
                continue;
            }
            try {
                github.redeliver(delivery);
                redelivered++;
            } catch (GitHubException e) {
                failed++;
                LOG.log(WARNING, "Redelivery of " + delivery.guid() + " failed: " + e.getMessage());
            }
        }
        if (redelivered > 0 || failed > 0) {
            LOG.log(
                    INFO,
                    "Webhook recovery: asked GitHub to redeliver " + redelivered + " of " + newest.size() + " events ("
                            + failed + " requests failed)");
        }
        return new Result(deliveries.size(), newest.size(), redelivered, failed);
    }
}
