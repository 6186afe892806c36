package ai.magicode.appliance.tickets;

import java.util.List;
import java.util.Optional;

/**
 * A ticket as the tracker answers it, read per request and never stored: its text becomes the agent's task, and the
 * assignee's e-mail is only passed on to find the matching GitHub user.
 *
 * @param key the ticket's key ({@code PROJ-12}, {@code ENG-7})
 * @param projectKey the Jira project or Linear team key (what the connection maps to a repository)
 * @param title the summary or title
 * @param description the description as plain text, empty when none
 * @param labels label names
 * @param assigneeAccount the assignee's account (Jira account id or user name, Linear user id), empty when none
 * @param assigneeEmail the assignee's e-mail where the tracker shows it
 * @param url the ticket's web address
 */
public record Ticket(
        String key,
        String projectKey,
        String title,
        String description,
        List<String> labels,
        String assigneeAccount,
        Optional<String> assigneeEmail,
        String url) {
    public Ticket {
        labels = List.copyOf(labels);
    }

    /** Whether the ticket carries {@code label} (case ignored). */
    boolean labelled(String label) {
        return labels.stream().anyMatch(l -> l.equalsIgnoreCase(label));
    }

    @Override
    public String toString() {
        // Never the e-mail, should a ticket reach a log line.
        return "Ticket[" + key + "]";
    }
}
