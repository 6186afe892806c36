package ai.magicode.appliance.agent;

import static java.lang.System.Logger.Level.INFO;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.github.GitHub;
import ai.magicode.appliance.github.GitHubEvent;
import ai.magicode.appliance.github.GitHubException;
import ai.magicode.appliance.github.Installations;
import ai.magicode.appliance.github.RepoClient;
import ai.magicode.appliance.github.RepoName;
import ai.magicode.appliance.github.WebhookHandler;
import ai.magicode.appliance.github.WebhookInbox;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns webhook events into jobs: an issue labelled with the trigger label or assigned to the App's bot user,
 * {@code @magicode fix}, {@code plan}, {@code approve} or {@code stop} in an issue comment, review comments and failed
 * checks on the agent's own pull requests. A second trigger for an issue with an unfinished job gets that job (the
 * job table allows one per issue); events of installations not mapped to a tenant are ignored. Only users with
 * {@code admin}, {@code maintain} or {@code write} permission on the repository may trigger or stop a job: anyone else
 * is refused (audited as denied) and told so once per issue in a comment.
 */
public final class AgentTriggers {
    private static final System.Logger LOG = System.getLogger(AgentTriggers.class.getName());
    private static final Pattern COMMAND = Pattern.compile("(?im)^\\s*@magicode\\s+(fix|stop|plan|approve)\\b");
    /** GitHub's {@code permission} answers maintain as write; both names are accepted in case it gives the role. */
    private static final Set<String> MAY_TRIGGER = Set.of("admin", "maintain", "write");
    /** Reading the sender's permission needs only metadata; the one refusal comment needs issues write. */
    private static final Map<String, String> PERMISSIONS = Map.of("issues", "write");
    /** Refusing a reviewer replies in the review thread, which needs pull requests write. */
    private static final Map<String, String> REVIEW_PERMISSIONS = Map.of("pull_requests", "write");
    /** The check conclusions the agent tries to fix. */
    private static final Set<String> FAILED = Set.of("failure", "timed_out");

    private static final String DENIED_MARKER = "<!-- magicode:denied -->";
    private static final String DISABLED_MARKER = "<!-- magicode:disabled -->";

    private final String triggerLabel;
    private final String botLogin;
    private final Installations installations;
    private final GitHub gitHub;
    private final Jobs jobs;
    private final JobRunner runner;
    private final Consumer<AuditEvent> audit;
    private final BiPredicate<String, Long> agentEnabled;
    /** The App's slug per installation, learnt from GitHub once ({@code <slug>[bot]} is the App's bot user). */
    private final Map<Long, String> appSlugs = new ConcurrentHashMap<>();

    public AgentTriggers(
            String triggerLabel,
            String botLogin,
            Installations installations,
            GitHub gitHub,
            JobRunner runner,
            Consumer<AuditEvent> audit) {
        this(triggerLabel, botLogin, installations, gitHub, runner, audit, (tenant, repo) -> true);
    }

    /**
     * @param agentEnabled whether the agent may work on a tenant's repository (by repository id): the admin's switch
     *     on the console's repositories page
     */
    public AgentTriggers(
            String triggerLabel,
            String botLogin,
            Installations installations,
            GitHub gitHub,
            JobRunner runner,
            Consumer<AuditEvent> audit,
            BiPredicate<String, Long> agentEnabled) {
        this.agentEnabled = agentEnabled;
        this.triggerLabel = triggerLabel;
        this.botLogin = botLogin;
        this.installations = installations;
        this.gitHub = gitHub;
        this.jobs = runner.jobs();
        this.runner = runner;
        this.audit = audit;
    }

    /** Registers the handlers on the inbox (before it starts). */
    public void register(WebhookInbox inbox) {
        inbox.on("issues", this::issues).on("issue_comment", this::comment);
        inbox.on("pull_request_review_comment", this::reviewComment);
        inbox.on("check_run", this::checkRun).on("check_suite", this::checkSuite);
    }

    void issues(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.Issues issue = (GitHubEvent.Issues) event;
        if (issue.context().action().equals("assigned")
                && issue.state().equals("open")
                && issue.assignee().filter(a -> isBot(event, a.login())).isPresent()) {
            trigger(event, effects, issue.number(), issue.title(), "assignment", 0);
            return;
        }
        if (!issue.context().action().equals("labeled")
                || !issue.state().equals("open")
                || issue.labels().stream().noneMatch(l -> l.equalsIgnoreCase(triggerLabel))) {
            return;
        }
        trigger(event, effects, issue.number(), issue.title(), "label", 0);
    }

    void comment(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.IssueComment comment = (GitHubEvent.IssueComment) event;
        if (!comment.context().action().equals("created")
                || comment.onPullRequest()
                || comment.comment().author().login().equalsIgnoreCase(botLogin)) {
            return;
        }
        Matcher command = COMMAND.matcher(comment.comment().body());
        if (!command.find()) {
            return;
        }
        String verb = command.group(1).toLowerCase(Locale.ROOT);
        switch (verb) {
            case "stop" -> {
                Optional<Scope> scope = scope(comment);
                if (scope.isPresent() && allowed(scope.get(), comment, "stop")) {
                    effects.store(() -> {
                        stop(scope.get(), comment);
                        return List.of();
                    });
                }
            }
            case "plan" ->
                trigger(
                        event,
                        effects,
                        comment.number(),
                        "",
                        "plan",
                        comment.comment().id());
            default -> {
                // fix or approve: a job waiting with its plan goes ahead; otherwise fix starts a job.
                Optional<Scope> scope = scope(comment);
                if (scope.isEmpty()) {
                    return;
                }
                Optional<Job> waiting = jobs.active(
                                scope.get().tenant(), scope.get().repository().id(), comment.number())
                        .filter(j -> j.state() == Job.State.WAITING);
                if (waiting.isPresent()) {
                    if (allowed(scope.get(), comment, "approve")) {
                        String sender = comment.context().sender();
                        effects.store(() -> {
                            runner.approve(waiting.get().id(), Actor.user("github:" + sender), sender);
                            return List.of();
                        });
                    }
                } else if (verb.equals("fix")) {
                    trigger(
                            event,
                            effects,
                            comment.number(),
                            "",
                            "comment",
                            comment.comment().id());
                }
            }
        }
    }

    /** A completed, failed check run on the head of an open job's pull request becomes a check fix. */
    void checkRun(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.CheckRun run = (GitHubEvent.CheckRun) event;
        if (run.context().action().equals("completed")
                && run.conclusion().filter(FAILED::contains).isPresent()) {
            checkFailed(event, effects, run.id(), run.name(), run.headSha(), run.headBranch(), run.pullRequests());
        }
    }

    /** A completed, failed check suite likewise (its failed runs are looked up by the fix). */
    void checkSuite(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.CheckSuite suite = (GitHubEvent.CheckSuite) event;
        if (suite.context().action().equals("completed")
                && suite.conclusion().filter(FAILED::contains).isPresent()) {
            checkFailed(event, effects, 0, "", suite.headSha(), suite.headBranch(), suite.pullRequests());
        }
    }

    /**
     * Takes a failed check on an open job's pull request as a fix, once per head commit: the key is the commit, so a
     * redelivery, or the run and its suite both reporting the failure, make one fix (which looks at every failed run
     * of the commit). Checks on other branches and pull requests are ignored.
     */
    private void checkFailed(
            GitHubEvent event,
            WebhookHandler.Effects effects,
            long runId,
            String name,
            String headSha,
            String headBranch,
            List<Long> pullRequests) {
        Optional<Scope> scope = scope(event);
        if (scope.isEmpty() || headSha.isBlank()) {
            return;
        }
        String tenant = scope.get().tenant();
        long repoId = scope.get().repository().id();
        Optional<Job> job = jobs.openForBranch(tenant, repoId, headBranch)
                .or(() -> pullRequests.stream()
                        .map(pr -> jobs.openForPullRequest(tenant, repoId, pr))
                        .flatMap(Optional::stream)
                        .findFirst());
        if (job.isEmpty() || job.get().pullRequest() == 0) {
            return;
        }
        CheckFix fix = new CheckFix(
                tenant + ":" + repoId + ":head:" + headSha,
                job.get().id(),
                job.get().pullRequest(),
                runId,
                name,
                headSha,
                "queued",
                "",
                java.time.Instant.now());
        effects.store(() -> staged(
                event,
                job.get(),
                "check-failed",
                "checkRun",
                runId,
                jobs.stageCheckFix(fix),
                () -> runner.submitCheckFix(fix.key()),
                jobs.checkFixTable()));
    }

    /**
     * Whether {@code login} is the App's bot user: {@code agent.bot-login}, or {@code <slug>[bot]} with the slug GitHub
     * gives for the event's installation (learnt once per installation).
     */
    private boolean isBot(GitHubEvent event, String login) {
        if (login.equalsIgnoreCase(botLogin)) {
            return true;
        }
        if (event.context().installationId().isEmpty() || !login.endsWith("[bot]")) {
            return false;
        }
        long installation = event.context().installationId().getAsLong();
        String slug = appSlugs.get(installation);
        if (slug == null) {
            slug = gitHub.installations().stream()
                    .filter(i -> i.id() == installation)
                    .map(GitHub.Installation::appSlug)
                    .findFirst()
                    .orElse("");
            if (!slug.isEmpty()) {
                appSlugs.put(installation, slug);
            }
        }
        return !slug.isEmpty() && login.equalsIgnoreCase(slug + "[bot]");
    }

    /**
     * A review comment on the head branch of an open job's pull request becomes a follow-up of that job, once per
     * comment id (a redelivery finds it recorded); the bot's own comments are ignored.
     */
    void reviewComment(GitHubEvent event, String delivery, WebhookHandler.Effects effects) {
        GitHubEvent.PullRequestReviewComment review = (GitHubEvent.PullRequestReviewComment) event;
        if (!review.context().action().equals("created")
                || review.comment().author().login().equalsIgnoreCase(botLogin)) {
            return;
        }
        Optional<Scope> scope = scope(event);
        if (scope.isEmpty()) {
            return;
        }
        String tenant = scope.get().tenant();
        long repoId = scope.get().repository().id();
        Optional<Job> job = jobs.openForBranch(tenant, repoId, review.head().ref());
        if (job.isEmpty() || job.get().pullRequest() != review.number()) {
            return;
        }
        if (!allowedReviewer(scope.get(), review)) {
            return;
        }
        long commentId = review.comment().id();
        FollowUp followUp = new FollowUp(
                tenant + ":" + repoId + ":" + commentId,
                job.get().id(),
                review.number(),
                commentId,
                review.inReplyTo().orElse(commentId),
                review.path(),
                review.line().orElse(0),
                review.comment().body(),
                review.comment().author().login(),
                "queued",
                "",
                java.time.Instant.now());
        effects.store(() -> staged(
                event,
                job.get(),
                "review-comment",
                "comment",
                commentId,
                jobs.stageFollowUp(followUp),
                () -> runner.submitFollowUp(followUp.key()),
                jobs.followUpTable()));
    }

    /**
     * What a task staged on an open job's pull request (a check fix or a follow-up) leaves for the inbox to commit
     * with the delivery: the trigger is audited either way, named by {@code idField} and {@code id}; a new task is
     * submitted and its {@code table} stored, a redelivered one (not {@code created}) changes nothing.
     */
    private List<?> staged(
            GitHubEvent event,
            Job job,
            String trigger,
            String idField,
            long id,
            boolean created,
            Runnable submit,
            Object table) {
        audit.accept(triggerAudit(event, job, trigger)
                .field(idField, id)
                .field("created", created)
                .success());
        if (!created) {
            return List.of();
        }
        submit.run();
        return List.of(table);
    }

    private void trigger(
            GitHubEvent event,
            WebhookHandler.Effects effects,
            long issue,
            String title,
            String trigger,
            long commentId) {
        Optional<Scope> scope = scope(event);
        if (scope.isEmpty() || !enabled(scope.get(), event, trigger) || !allowed(scope.get(), event, trigger)) {
            return;
        }
        Jobs.Request request = new Jobs.Request(
                scope.get().tenant(),
                scope.get().repository().id(),
                scope.get().repository().fullName(),
                scope.get().installationId(),
                issue,
                title,
                trigger,
                event.context().sender(),
                commentId);
        // The job is staged on the inbox's store writer and committed with the delivery (a handler never stores
        // itself); a redelivery after a crash before that commit stages it again.
        effects.store(() -> {
            Jobs.Triggered triggered = jobs.stage(request);
            triggered(event, triggered, trigger);
            return List.of(jobs.table());
        });
    }

    private void triggered(GitHubEvent event, Jobs.Triggered triggered, String trigger) {
        Job job = triggered.job();
        long issue = job.issue();
        audit.accept(triggerAudit(event, job, trigger)
                .field("created", triggered.created())
                .success());
        if (triggered.created()) {
            LOG.log(INFO, "Agent job " + job.id() + " for " + job.repo() + "#" + issue + " (" + trigger + ")");
            runner.submit(job.id());
        }
    }

    /** The {@code agent.job.trigger} audit entry of a trigger that reached {@code job}, before its own fields. */
    private static AuditEvent.Builder triggerAudit(GitHubEvent event, Job job, String trigger) {
        return AuditEvent.of("agent.job.trigger", job.repo() + "#" + job.issue())
                .tenant(job.tenant())
                .actor(Actor.user("github:" + event.context().sender()))
                .field("job", job.id())
                .field("trigger", trigger);
    }

    /**
     * Whether the event's sender may trigger (or stop) the agent on the repository. A refusal starts nothing and adds
     * no reaction: it is audited as denied with the reason, and the issue gets one comment saying who may ask (never a
     * second: the comment carries a marker that is looked for first).
     */
    private boolean allowed(Scope scope, GitHubEvent event, String trigger) {
        String sender = event.context().sender();
        RepoClient client = gitHub.repository(
                scope.tenant(),
                scope.installationId(),
                RepoName.parse(scope.repository().fullName()),
                PERMISSIONS);
        String permission = client.permission(sender);
        if (MAY_TRIGGER.contains(permission)) {
            return true;
        }
        long issue = issueOf(event);
        String target = scope.repository().fullName() + "#" + issue;
        LOG.log(INFO, "Agent trigger on " + target + " by " + sender + " refused: permission " + permission);
        boolean told = tell(client, issue);
        audit.accept(AuditEvent.of("agent.job.trigger", target)
                .tenant(scope.tenant())
                .actor(Actor.user("github:" + sender))
                .field("trigger", trigger)
                .field("reason", "sender has " + permission + " permission; write access is needed")
                .field("commented", told)
                .denied());
        return false;
    }

    /**
     * Whether the tenant's admin left the agent on for the repository. When it is off the trigger starts nothing: it
     * is audited as denied, and the issue gets one comment saying so (never a second, by its marker).
     */
    private boolean enabled(Scope scope, GitHubEvent event, String trigger) {
        if (agentEnabled.test(scope.tenant(), scope.repository().id())) {
            return true;
        }
        long issue = issueOf(event);
        String target = scope.repository().fullName() + "#" + issue;
        LOG.log(INFO, "Agent trigger on " + target + " refused: the agent is off for the repository");
        boolean told = false;
        try {
            RepoClient client = gitHub.repository(
                    scope.tenant(),
                    scope.installationId(),
                    RepoName.parse(scope.repository().fullName()),
                    PERMISSIONS);
            if (client.comments(issue).stream().noneMatch(c -> c.body().contains(DISABLED_MARKER))) {
                client.comment(
                        issue,
                        "@magicode is switched off for this repository by its administrators, so it will not work"
                                + " on this issue.\n\n" + DISABLED_MARKER);
                told = true;
            }
        } catch (GitHubException e) {
            LOG.log(INFO, "Could not comment on #" + issue + ": " + e.getMessage());
        }
        audit.accept(AuditEvent.of("agent.job.trigger", target)
                .tenant(scope.tenant())
                .actor(Actor.user("github:" + event.context().sender()))
                .field("trigger", trigger)
                .field("reason", "the agent is off for this repository")
                .field("commented", told)
                .denied());
        return false;
    }

    /**
     * Whether the review comment's author may have the agent act on it (write access, as for the issue triggers). A
     * refusal starts nothing: it is audited as denied, and the pull request gets one polite reply in the comment's
     * thread, once per pull request (the reply carries a marker that is looked for first).
     */
    private boolean allowedReviewer(Scope scope, GitHubEvent.PullRequestReviewComment review) {
        String author = review.comment().author().login();
        RepoClient client = gitHub.repository(
                scope.tenant(),
                scope.installationId(),
                RepoName.parse(scope.repository().fullName()),
                REVIEW_PERMISSIONS);
        String permission = client.permission(author);
        if (MAY_TRIGGER.contains(permission)) {
            return true;
        }
        String target = scope.repository().fullName() + "#" + review.number();
        LOG.log(INFO, "Review comment on " + target + " by " + author + " not taken: permission " + permission);
        boolean told = false;
        try {
            if (client.reviewComments(review.number()).stream()
                    .noneMatch(c -> c.body().contains(DENIED_MARKER))) {
                client.replyToReviewComment(
                        review.number(),
                        review.inReplyTo().orElse(review.comment().id()),
                        "Thanks for the review! I only act on review comments from collaborators with write access to"
                                + " this repository, so I have left this one for the pull request's owners.\n\n"
                                + DENIED_MARKER);
                told = true;
            }
        } catch (GitHubException e) {
            LOG.log(INFO, "Could not reply on " + target + ": " + e.getMessage());
        }
        audit.accept(AuditEvent.of("agent.job.trigger", target)
                .tenant(scope.tenant())
                .actor(Actor.user("github:" + author))
                .field("trigger", "review-comment")
                .field("comment", review.comment().id())
                .field("reason", "reviewer has " + permission + " permission; write access is needed")
                .field("commented", told)
                .denied());
        return false;
    }

    private static boolean tell(RepoClient client, long issue) {
        try {
            if (client.comments(issue).stream().noneMatch(c -> c.body().contains(DENIED_MARKER))) {
                client.comment(
                        issue,
                        "Sorry, only collaborators with write access to this repository can ask @magicode to work"
                                + " on an issue.\n\n" + DENIED_MARKER);
                return true;
            }
        } catch (GitHubException e) {
            LOG.log(INFO, "Could not comment on #" + issue + ": " + e.getMessage());
        }
        return false;
    }

    private static long issueOf(GitHubEvent event) {
        return switch (event) {
            case GitHubEvent.Issues issues -> issues.number();
            case GitHubEvent.IssueComment comment -> comment.number();
            default -> 0;
        };
    }

    private void stop(Scope scope, GitHubEvent.IssueComment comment) {
        jobs.active(scope.tenant(), scope.repository().id(), comment.number())
                .ifPresent(job -> runner.cancel(
                        job.id(),
                        Actor.user("github:" + comment.context().sender()),
                        "stopped by @" + comment.context().sender()));
    }

    private Optional<Scope> scope(GitHubEvent event) {
        Optional<GitHubEvent.Repository> repository = event.context().repository();
        if (repository.isEmpty() || event.context().installationId().isEmpty()) {
            return Optional.empty();
        }
        long installation = event.context().installationId().getAsLong();
        return installations.tenantOf(installation).map(tenant -> new Scope(tenant, installation, repository.get()));
    }

    private record Scope(String tenant, long installationId, GitHubEvent.Repository repository) {}
}
