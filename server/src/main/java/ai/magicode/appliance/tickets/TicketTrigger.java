package ai.magicode.appliance.tickets;

/**
 * A ticket that asks for the bot (labelled or assigned to it), handed to the subscriber that starts work on it. It
 * holds the ticket's key and title, not its description or assignee (those are read again when the work starts).
 *
 * @param tenant the connection's tenant
 * @param connection the connection's id
 * @param kind the tracker ({@code jira-cloud}, {@code jira-data-center}, {@code linear})
 * @param key the ticket's key
 * @param number the ticket's number in the appliance (negative, never a GitHub issue number), stable per ticket
 * @param repository the mapped GitHub repository, {@code owner/name}
 * @param title the ticket's title
 */
public record TicketTrigger(
        String tenant, String connection, String kind, String key, long number, String repository, String title) {

    /** What the subscriber did with a trigger. */
    public sealed interface Outcome {
        /** A job works on the ticket (a new one, or the one that already did). */
        record Started(String job) implements Outcome {}

        /** Nothing was started; {@code reason} is told on the ticket in a comment. */
        record Refused(String reason) implements Outcome {}

        static Outcome started(String job) {
            return new Started(job);
        }

        static Outcome refused(String reason) {
            return new Refused(reason);
        }
    }
}
