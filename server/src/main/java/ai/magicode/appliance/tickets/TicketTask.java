package ai.magicode.appliance.tickets;

import java.util.Optional;

/**
 * The work a ticket asks for, read from the tracker when a job needs it and never stored.
 *
 * @param key the ticket's key
 * @param title its title
 * @param description its description as plain text
 * @param url its web address
 * @param assigneeEmail the assignee's e-mail where the tracker shows it (to find the GitHub user; never stored)
 */
public record TicketTask(String key, String title, String description, String url, Optional<String> assigneeEmail) {
    @Override
    public String toString() {
        return "TicketTask[" + key + "]";
    }
}
