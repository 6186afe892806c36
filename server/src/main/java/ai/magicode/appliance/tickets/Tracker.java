package ai.magicode.appliance.tickets;

import java.time.Instant;
import java.util.List;

/** What the appliance asks of a tracker: read a ticket, comment on it, move it, and list the recently labelled. */
interface Tracker {
    /** The ticket, read now (with the assignee's e-mail where visible). */
    Ticket ticket(String key);

    /** Adds a comment with {@code text} (plain text with a link at most). */
    void comment(String key, String text);

    /**
     * Moves the ticket to the status named {@code status} (Jira: the transition leading there; Linear: the team's
     * workflow state of that name).
     *
     * @return false when no such status can be reached from where the ticket is
     */
    boolean move(String key, String status);

    /** Keys of tickets carrying {@code label} updated since {@code since} (the poll). */
    List<String> labelled(String label, Instant since);
}
