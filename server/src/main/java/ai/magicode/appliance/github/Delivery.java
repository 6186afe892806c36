package ai.magicode.appliance.github;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One webhook delivery as the inbox keeps it in the store. The body is kept until the delivery is processed and
 * then dropped (the guid, event and outcome stay, for de-duplication and inspection).
 *
 * @param seq the order in which deliveries entered the store, from 0 (within a lane, the arrival order); -1 while the
 *     delivery is only in the accept log
 * @param guid GitHub's {@code X-GitHub-Delivery} id
 * @param event the {@code X-GitHub-Event} name
 * @param lane deliveries of one lane (a repository, else an installation) are processed one at a time in order
 * @param repository {@code owner/name}, empty when the event is not about one repository
 * @param installationId the installation it was sent for; 0 when none
 * @param state where it is in processing
 * @param attempts failed tries so far
 * @param problem why the last try failed or why it is dead, empty when none
 * @param receivedAt when the inbox accepted it
 * @param updatedAt when its state last changed
 * @param body the raw body while it is pending or dead; empty once processed
 */
public record Delivery(
        long seq,
        String guid,
        String event,
        String lane,
        String repository,
        long installationId,
        State state,
        int attempts,
        String problem,
        Instant receivedAt,
        Instant updatedAt,
        byte[] body) {
    /** The body of every processed delivery: one shared empty array, which the store writes once. */
    private static final byte[] NO_BODY = new byte[0];

    /** Processing states. */
    public enum State {
        /** Acknowledged and durable; not yet processed. */
        PENDING,
        /** Processed: its handlers ran and their store changes were committed with this state. */
        PROCESSED,
        /** Parked after its retries failed (or its body is malformed); an admin may replay it. */
        DEAD
    }

    /** This delivery as the store numbers it (logged deliveries have {@code seq} -1 until folded). */
    Delivery withSeq(long next) {
        return new Delivery(
                next,
                guid,
                event,
                lane,
                repository,
                installationId,
                state,
                attempts,
                problem,
                receivedAt,
                updatedAt,
                body);
    }

    Delivery withState(State next, int tries, String why, Instant now) {
        byte[] kept = next == State.PROCESSED ? NO_BODY : body;
        return new Delivery(
                seq, guid, event, lane, repository, installationId, next, tries, why, receivedAt, now, kept);
    }

    /** The installation, when the delivery names one. */
    public OptionalLong installation() {
        return installationId == 0 ? OptionalLong.empty() : OptionalLong.of(installationId);
    }

    /** Why the last try failed, if it did. */
    public Optional<String> lastProblem() {
        return problem.isEmpty() ? Optional.empty() : Optional.of(problem);
    }
}
