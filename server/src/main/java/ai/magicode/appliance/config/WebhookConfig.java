package ai.magicode.appliance.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The GitHub webhook inbox (keys {@code github.webhook-secret-file} and {@code github.webhooks.*}): where the
 * operator's webhook secret comes from and how deliveries are accepted, processed and retried.
 *
 * @param secretFile a mounted file holding the webhook secret, imported into the vault at startup
 * @param maxBodyBytes largest delivery body accepted (GitHub caps payloads at 25 MiB); larger ones get 413
 * @param workers threads processing deliveries (deliveries of one repository are processed one at a time)
 * @param retryAttempts times a failing delivery is tried before it is parked in the dead-letter list
 * @param retryBackoff the wait before the first retry; it doubles for each further one
 * @param retryBackoffMax the longest wait between two tries
 * @param recoveryInterval how often missed deliveries are recovered from GitHub's delivery log (and once at
 *     startup); zero turns recovery off
 * @param recoveryWindow how far back each recovery looks
 * @param retention how long processed and dead deliveries are kept (for de-duplication, inspection and replay) after
 *     their last change; pending ones are kept until processed. At least the recovery window plus a day, so that
 *     recovery never asks again for a delivery the inbox has let go of
 */
public record WebhookConfig(
        Optional<Path> secretFile,
        long maxBodyBytes,
        int workers,
        int retryAttempts,
        Duration retryBackoff,
        Duration retryBackoffMax,
        Duration recoveryInterval,
        Duration recoveryWindow,
        Duration retention) {
    /** Defaults for tests and tools that build an inbox outside the appliance. */
    public static WebhookConfig defaults() {
        return new WebhookConfig(
                Optional.empty(),
                25L << 20,
                4,
                5,
                Duration.ofSeconds(1),
                Duration.ofMinutes(5),
                Duration.ofMinutes(10),
                Duration.ofDays(1),
                Duration.ofDays(7));
    }

    static WebhookConfig from(ConfigValues values) {
        Duration backoff = values.duration("github.webhooks.retry-backoff", Duration.ZERO, Duration.ofHours(1));
        Duration backoffMax = values.duration("github.webhooks.retry-backoff-max", Duration.ZERO, Duration.ofDays(1));
        if (backoffMax.compareTo(backoff) < 0) {
            throw values.invalid("github.webhooks.retry-backoff-max", "at least github.webhooks.retry-backoff");
        }
        Duration window = values.duration("github.webhooks.recovery-window", Duration.ofMinutes(1), Duration.ofDays(3));
        Duration retention = values.duration("github.webhooks.retention", Duration.ofDays(1), Duration.ofDays(3650));
        if (retention.compareTo(window.plusDays(1)) < 0) {
            throw values.invalid("github.webhooks.retention", "at least github.webhooks.recovery-window plus one day");
        }
        return new WebhookConfig(
                values.optionalPath("github.webhook-secret-file"),
                values.integer("github.webhooks.max-body-bytes", 1024, Integer.MAX_VALUE - 8),
                (int) values.integer("github.webhooks.workers", 1, 256),
                (int) values.integer("github.webhooks.retry-attempts", 1, 100),
                backoff,
                backoffMax,
                values.duration("github.webhooks.recovery-interval", Duration.ZERO, Duration.ofDays(1)),
                window,
                retention);
    }
}
