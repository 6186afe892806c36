package ai.magicode.appliance.agent;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.github.GitHubEvent;
import ai.magicode.appliance.github.GitHubException;
import ai.magicode.appliance.github.Installations;
import ai.magicode.appliance.github.RepoClient;
import ai.magicode.appliance.github.WebhookHandler;
import ai.magicode.appliance.github.WebhookInbox;
import ai.magicode.appliance.tickets.TicketTask;
import ai.magicode.appliance.tickets.TicketTrigger;
import ai.magicode.appliance.tickets.Tickets;
import ai.magicode.appliance.tickets.TicketsException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Jobs for Jira and Linear tickets. A ticket job is an ordinary job whose issue number is the ticket's negative number
 * in {@link Tickets} and whose requester is the ticket's key; its task (title, description) is read from the tracker
 * when the job works, so the job stores only the key and the title, as it does for a GitHub issue. The assignee's
 * e-mail is read with the task and turned into a GitHub login for the commit's {@code Co-authored-by} and the pull
 * request (GitHub's user search); neither is stored. The ticket hears of the pull request when it opens and when it is
 * merged ({@code pull_request} closed and merged).
 */
public final class TicketJobs {
    private static final System.Logger LOG = System.getLogger(TicketJobs.class.getName());

    private final Tickets tickets;
    private final JobRunner runner;
    private final Installations installations;
    private final Consumer<AuditEvent> audit;

    public TicketJobs(Tickets tickets, JobRunner runner, Installations installations, Consumer<AuditEvent> audit) {
        this.tickets = tickets;
        this.runner = runner;
        this.installations = installations;
        this.audit = audit;
        runner.tickets(this);
    }

    /** Subscribes to the tickets and to merged pull requests (register before the inbox starts). */
    public void register(WebhookInbox inbox) {
        inbox.on("pull_request", this::pullRequest);
        tickets.subscribe(this::trigger);
    }

    /** Whether the job works on a ticket rather than a GitHub issue. */
    static boolean isTicket(Job job) {
        return job.issue() < 0;
    }

    /**
     * Starts (or finds) the ticket's job against its mapped repository; refuses when the App cannot reach that
     * repository for the ticket's tenant (not installed there, or the installation mapped elsewhere, suspended or
     * removed).
     */
    TicketTrigger.Outcome trigger(TicketTrigger ticket) {
        Optional<Installations.Repository> repository = installations.repositories().stream()
                .filter(r -> r.fullName().equalsIgnoreCase(ticket.repository()))
                .filter(r -> installations
                        .find(r.installationId())
                        .filter(i -> ticket.tenant().equals(i.tenant()) && !i.suspended() && !i.removed())
                        .isPresent())
                .findFirst();
        if (repository.isEmpty()) {
            return TicketTrigger.Outcome.refused("the MagiCode GitHub App cannot access the repository `"
                    + ticket.repository() + "` this ticket's project is mapped to (the App is not installed there, or"
                    + " its installation does not belong to this tenant). Install the App on the repository or fix"
                    + " the mapping, then label the ticket again.");
        }
        Jobs.Triggered triggered = runner.jobs()
                .trigger(new Jobs.Request(
                        ticket.tenant(),
                        repository.get().id(),
                        repository.get().fullName(),
                        repository.get().installationId(),
                        ticket.number(),
                        ticket.title(),
                        ticket.kind().startsWith("jira") ? "jira" : "linear",
                        ticket.key(),
                        0));
        Job job = triggered.job();
        audit.accept(AuditEvent.of("agent.job.trigger", job.repo() + " " + ticket.key())
                .tenant(job.tenant())
                .actor(Actor.system())
                .field("job", job.id())
                .field("trigger", job.trigger())
                .field("ticket", ticket.key())
                .field("created", triggered.created())
                .success());
        if (triggered.created()) {
            LOG.log(INFO, "Agent job " + job.id() + " for " + job.repo() + " (ticket " + ticket.key() + ")");
            runner.submit(job.id());
        }
        return TicketTrigger.Outcome.started(job.id());
    }

    /** The ticket's task as an issue (title and description), read from the tracker now. */
    RepoClient.Issue issue(Job job) {
        TicketTask task = task(job);
        return new RepoClient.Issue(job.issue(), task.title(), task.description(), "open", "", List.of(), false);
    }

    /** How the job's commit, pull request and reports name the ticket: its key. */
    String reference(Job job) {
        return job.requester();
    }

    /**
     * The {@code Co-authored-by} login of the ticket's assignee: the e-mail the tracker shows, looked up on GitHub now;
     * empty when either is unknown.
     */
    Optional<String> assigneeLogin(Job job, RepoClient client) {
        try {
            Optional<String> email = task(job).assigneeEmail();
            return email.isEmpty() ? Optional.empty() : client.loginForEmail(email.get());
        } catch (TicketsException | GitHubException e) {
            LOG.log(INFO, "No co-author for job " + job.id() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** The ticket's web address (for the pull request body). */
    String url(Job job) {
        return task(job).url();
    }

    /** Tells the ticket about the opened pull request (once); a tracker failure is logged, the job goes on. */
    void opened(Job job, String pullUrl) {
        try {
            tickets.pullRequestOpened(job.tenant(), job.issue(), pullUrl);
        } catch (TicketsException e) {
            LOG.log(WARNING, "Could not tell ticket " + job.requester() + " about " + pullUrl + ": " + e.getMessage());
        }
    }

    /** Posts a failure report on the ticket. */
    void report(Job job, String text) {
        tickets.report(job.tenant(), job.issue(), text);
    }

    private TicketTask task(Job job) {
        return tickets.task(job.tenant(), job.issue());
    }

    private void pullRequest(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.PullRequest pr = (GitHubEvent.PullRequest) event;
        if (!pr.context().action().equals("closed") || !pr.merged()) {
            return;
        }
        Optional<GitHubEvent.Repository> repository = event.context().repository();
        if (repository.isEmpty() || event.context().installationId().isEmpty()) {
            return;
        }
        Optional<String> tenant =
                installations.tenantOf(event.context().installationId().getAsLong());
        if (tenant.isEmpty()) {
            return;
        }
        runner.jobs()
                .openForBranch(tenant.get(), repository.get().id(), pr.head().ref())
                .filter(TicketJobs::isTicket)
                .filter(job -> job.pullRequest() == pr.number())
                .ifPresent(job -> {
                    try {
                        tickets.pullRequestMerged(job.tenant(), job.issue());
                    } catch (TicketsException e) {
                        LOG.log(
                                WARNING,
                                "Could not move ticket " + job.requester() + " after the merge: " + e.getMessage());
                    }
                });
    }
}
