package ai.magicode.appliance.github;

import java.util.List;
import java.util.function.Supplier;

/**
 * Acts on one event type, registered with {@link WebhookInbox#on}. Processing is exactly once relative to the store:
 * a handler does not write to the store itself but hands its store changes to {@link Effects#store}; they are
 * applied and committed in the same atomic commit that marks the delivery processed. Effects outside the store (a
 * GitHub API call) may run again after a crash or a failed later handler, so they must be idempotent (e.g. check for
 * the comment or branch before creating it).
 */
@FunctionalInterface
public interface WebhookHandler {
    /**
     * Handles {@code event}; throwing makes the inbox retry the delivery with backoff, then park it as dead.
     *
     * @param delivery the delivery's guid, for idempotency keys
     */
    void handle(GitHubEvent event, String delivery, Effects effects) throws Exception;

    /** Store changes a handler asks for, committed with the delivery's processed mark. */
    interface Effects {
        /**
         * Queues a change: {@code change} runs on the inbox's store writer, mutates the handler's part of the graph
         * and returns the objects it changed, which are stored in the delivery's commit.
         */
        void store(Supplier<List<?>> change);
    }
}
