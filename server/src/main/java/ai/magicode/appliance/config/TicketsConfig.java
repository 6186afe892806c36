package ai.magicode.appliance.config;

import java.time.Duration;

/**
 * Jira and Linear tickets (keys {@code tickets.*}): the poll that catches missed webhooks, the webhook body limit and
 * Linear's timestamp tolerance, and the timeout of calls to the trackers.
 *
 * @param pollInterval how often each connection is polled; zero turns the poll off
 * @param pollWindow how far back the first poll after a start looks
 * @param maxBodyBytes largest webhook body accepted
 * @param linearTimestampTolerance how far Linear's {@code webhookTimestamp} may be from the appliance's clock
 * @param timeout timeout of one call to a tracker
 */
public record TicketsConfig(
        Duration pollInterval,
        Duration pollWindow,
        long maxBodyBytes,
        Duration linearTimestampTolerance,
        Duration timeout) {
    /** Defaults for tests that build the tickets feature outside the appliance. */
    public static TicketsConfig defaults() {
        return new TicketsConfig(
                Duration.ofMinutes(5), Duration.ofHours(1), 1L << 20, Duration.ofMinutes(1), Duration.ofSeconds(30));
    }

    static TicketsConfig from(ConfigValues values) {
        return new TicketsConfig(
                values.duration("tickets.poll-interval", Duration.ZERO, Duration.ofDays(1)),
                values.duration("tickets.poll-window", Duration.ofMinutes(1), Duration.ofDays(7)),
                values.integer("tickets.max-body-bytes", 1024, 64L << 20),
                values.duration("tickets.linear-timestamp-tolerance", Duration.ofSeconds(1), Duration.ofHours(1)),
                values.duration("tickets.timeout", Duration.ofSeconds(1), Duration.ofMinutes(10)));
    }
}
