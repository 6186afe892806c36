package ai.magicode.appliance.agent;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.AgentConfig;
import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.git.WorkTree;
import ai.magicode.appliance.git.Workspaces;
import ai.magicode.appliance.git.Workspaces.Workspace;
import ai.magicode.appliance.github.GitHub;
import ai.magicode.appliance.github.GitHubException;
import ai.magicode.appliance.github.PushGuard;
import ai.magicode.appliance.github.RepoClient;
import ai.magicode.appliance.github.RepoName;
import ai.magicode.appliance.index.FileScore;
import ai.magicode.appliance.index.IndexException;
import ai.magicode.appliance.index.IndexStatus;
import ai.magicode.appliance.index.RepoIndexes;
import ai.magicode.appliance.llm.ChatRequest;
import ai.magicode.appliance.llm.LlmException;
import ai.magicode.appliance.llm.LlmGateway;
import ai.magicode.appliance.llm.Redactor;
import ai.magicode.appliance.store.TenantData;
import ai.magicode.appliance.tickets.TicketsException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs jobs: acknowledge, fetch, index, localize, the edit conversation, validation, commit and push through the
 * {@link PushGuard}, then a draft pull request; on failure or a cap, a report comment. Each step is recorded in the
 * job before the next starts, and steps with external effects look before they act (an existing pull request for
 * the branch is reused, a report already posted is not posted again), so a job resumed after a crash
 * ({@link #resume}) repeats no visible effect. At most {@code max-concurrent-per-tenant} jobs of a tenant and
 * {@code max-concurrent-per-repo} of a repository run at once; the others wait in order.
 */
public final class JobRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JobRunner.class.getName());
    private static final Map<String, String> PERMISSIONS =
            Map.of("contents", "write", "issues", "write", "pull_requests", "write");
    /** A check fix also reads check runs and the Actions job logs. */
    private static final Map<String, String> CHECK_PERMISSIONS = Map.of(
            "contents", "write", "issues", "write", "pull_requests", "write", "checks", "read", "actions", "read");

    private static final Set<String> FAILED = Set.of("failure", "timed_out");
    private static final int LOCALIZE_TOP = 8;
    private static final int CHECK_OUTPUT_SHOWN = 4000;
    private static final Redactor REDACTOR = new Redactor();

    private final AgentConfig config;
    private final String branchPrefix;
    private final Jobs jobs;
    private final GitHub gitHub;
    private final Workspaces workspaces;
    private final RepoIndexes indexes;
    private final LlmGateway gateway;
    private final PushGuard pushGuard;
    private final Optional<Sandbox> sandbox;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final AgentLoop loop;
    private final ExecutorService executor;
    private final ExecutorService followUps = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("agent-follow-up").daemon().factory());
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Set<String> running = new java.util.HashSet<>();
    private final Map<String, Integer> perTenant = new HashMap<>();
    private final Map<Long, Integer> perRepo = new HashMap<>();
    private boolean closed;
    /** Jira and Linear ticket jobs' tracker side; null until {@link TicketJobs} is built. */
    private volatile TicketJobs tickets;

    /**
     * @param branchPrefix the push guard's branch prefix ({@code github.branch-prefix})
     * @param sandbox where a repository's {@code check.command} runs; empty when {@code agent.sandbox.enabled} is off
     *     (the command is then skipped and the timeline says so)
     */
    public JobRunner(
            AgentConfig config,
            String branchPrefix,
            Jobs jobs,
            GitHub gitHub,
            Workspaces workspaces,
            RepoIndexes indexes,
            LlmGateway gateway,
            PushGuard pushGuard,
            Optional<Sandbox> sandbox,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this.config = config;
        this.branchPrefix = branchPrefix;
        this.jobs = jobs;
        this.gitHub = gitHub;
        this.workspaces = workspaces;
        this.indexes = indexes;
        this.gateway = gateway;
        this.pushGuard = pushGuard;
        this.sandbox = sandbox;
        this.audit = audit;
        this.clock = clock;
        this.loop = new AgentLoop(gateway, clock);
        this.executor = Executors.newThreadPerTaskExecutor(
                Thread.ofPlatform().name("agent-job-", 0).daemon().factory());
    }

    /** Hands over the ticket side (called by {@link TicketJobs}). */
    void tickets(TicketJobs tickets) {
        this.tickets = tickets;
    }

    /** The job table. */
    public Jobs jobs() {
        return jobs;
    }

    /** Queues every unfinished job (after a restart); each goes on from its last completed step. */
    public void resume() {
        List<Job> unfinished = jobs.unfinished();
        if (!unfinished.isEmpty()) {
            LOG.log(INFO, "Resuming " + unfinished.size() + " unfinished agent job(s)");
        }
        unfinished.forEach(job -> submit(job.id()));
        jobs.queuedFollowUps().forEach(f -> submitFollowUp(f.key()));
        jobs.queuedCheckFixes().forEach(f -> submitCheckFix(f.key()));
    }

    /**
     * Queues a check fix. It runs on the follow-ups' single thread, so never at the same time as another fix or a
     * review follow-up of the same pull request.
     */
    public void submitCheckFix(String key) {
        iterateLater("check fix " + key, () -> runCheckFix(key));
    }

    /** Runs a follow-up or check fix on the follow-ups' single thread; nothing once the runner is closed. */
    private synchronized void iterateLater(String what, Runnable iteration) {
        if (closed) {
            return;
        }
        followUps.execute(() -> {
            try {
                iteration.run();
            } catch (RuntimeException e) {
                LOG.log(WARNING, "Agent " + what + " stopped unexpectedly", e);
            }
        });
    }

    /**
     * Tries to fix a failed check on the head of an open job's pull request: skipped when the head moved on since (the
     * check failed on an older commit) or the job is not open; when the same check fails on the base branch's head,
     * one comment says so and nothing is tried; after {@code agent.max-check-fixes} pushed tries, one comment says it
     * gives up. Otherwise one {@link #iterate iteration} with the failed checks' trimmed logs (secrets masked) as the
     * task, and a comment on the pull request with the commit or the reason nothing was pushed. Every comment carries
     * a marker looked for first, so a resumed fix never posts twice.
     */
    void runCheckFix(String key) {
        Optional<CheckFix> found = jobs.checkFix(key).filter(f -> f.state().equals("queued"));
        if (found.isEmpty()) {
            return;
        }
        CheckFix fix = found.get();
        Job job = jobs.find(fix.jobId()).orElseThrow();
        RepoClient client =
                gitHub.repository(job.tenant(), job.installationId(), RepoName.parse(job.repo()), CHECK_PERMISSIONS);
        try {
            Optional<String> head = client.branch(job.branch()).map(RepoClient.Branch::sha);
            List<RepoClient.CheckRun> failed = client.checkRuns(fix.headSha()).stream()
                    .filter(r -> FAILED.contains(r.conclusion()))
                    .filter(r -> fix.checkRunId() == 0 || r.id() == fix.checkRunId())
                    .toList();
            if (job.state() != Job.State.OPEN || !head.equals(Optional.of(fix.headSha())) || failed.isEmpty()) {
                finishCheckFix(job, fix, "skipped", "");
                return;
            }
            String base = client.pullRequest(fix.pullRequest()).base();
            Set<String> failedNames =
                    failed.stream().map(RepoClient.CheckRun::name).collect(java.util.stream.Collectors.toSet());
            List<String> failingOnBase = client.checkRuns(base).stream()
                    .filter(r -> FAILED.contains(r.conclusion()) && failedNames.contains(r.name()))
                    .map(RepoClient.CheckRun::name)
                    .distinct()
                    .toList();
            String names = failed.stream()
                    .map(r -> "`" + r.name() + "`")
                    .distinct()
                    .collect(java.util.stream.Collectors.joining(", "));
            if (!failingOnBase.isEmpty()) {
                commentOnce(
                        client,
                        fix.pullRequest(),
                        "The check " + names + " failed on this pull request, but it fails on the base branch `" + base
                                + "` too, so I did not try to fix it here. Fix it on `" + base + "` first.",
                        "<!-- magicode:check:" + fix.headSha() + ":base-failing -->");
                finishCheckFix(job, fix, "base-failing", "");
                return;
            }
            int tries = jobs.checkFixes(job.id(), "pushed").size();
            if (tries >= config.maxCheckFixes()) {
                commentOnce(
                        client,
                        fix.pullRequest(),
                        "The check " + names + " still fails after " + tries + " fix(es) of mine (the limit is "
                                + config.maxCheckFixes() + "), so I give up on it; this needs a person now.",
                        "<!-- magicode:job:" + job.id() + ":check-gave-up -->");
                finishCheckFix(job, fix, "gave-up", "");
                return;
            }
            StringBuilder logs = new StringBuilder();
            for (RepoClient.CheckRun run : failed) {
                String log;
                try {
                    log = CheckLog.trim(client.jobLog(run.id()));
                } catch (GitHubException e) {
                    log = "(the log could not be read: " + limit(e.getMessage(), 200) + ")";
                }
                logs.append("Check `")
                        .append(run.name())
                        .append("` (")
                        .append(run.conclusion())
                        .append("), the relevant part of its log:\n```\n")
                        .append(log)
                        .append("\n```\n\n");
            }
            Iteration iteration = iterate(
                    job,
                    client,
                    new Iterating(
                            job.id() + "-check-" + key.substring(key.lastIndexOf(':') + 1),
                            "check",
                            "check " + names,
                            checkTask(fix.pullRequest(), logs.toString()),
                            job.requester(),
                            "Fix the failing check " + names.replace("`", "") + " on #" + fix.pullRequest() + " ("
                                    + reference(job) + ")"));
            String marker = "<!-- magicode:check-fix:" + key + " -->";
            switch (iteration) {
                // The try is recorded before the comment says so: whoever reacts to the comment (a new check run
                // on the pushed commit) finds it counted.
                case Iteration.Pushed pushed -> {
                    finishCheckFix(job, fix, "pushed", pushed.commit());
                    commentOnce(
                            client,
                            fix.pullRequest(),
                            "The check " + names + " failed; I pushed " + pushed.commit() + " to fix it (try "
                                    + (tries + 1) + " of " + config.maxCheckFixes() + "): "
                                    + limit(pushed.summary(), 1000),
                            marker);
                }
                case Iteration.Declined declined -> {
                    finishCheckFix(job, fix, "declined", "");
                    commentOnce(
                            client,
                            fix.pullRequest(),
                            "The check " + names + " failed and I could not fix it. " + declined.reason(),
                            marker);
                }
            }
        } catch (AgentException | GitHubException | GitException | LlmException | IndexException e) {
            if (stopping()) {
                return;
            }
            LOG.log(WARNING, "Agent check fix " + key + " failed: " + e.getMessage());
            // A try already recorded (pushed, then the comment failed) stays counted.
            if (jobs.checkFix(key).filter(f -> f.state().equals("queued")).isPresent()) {
                finishCheckFix(job, fix, "declined", "");
            }
        }
    }

    /** Comments on an issue or pull request unless a comment with {@code marker} is there already. */
    private static void commentOnce(RepoClient client, long issue, String text, String marker) {
        if (client.comments(issue).stream().noneMatch(c -> c.body().contains(marker))) {
            client.comment(issue, text + "\n" + marker + "\n");
        }
    }

    private void finishCheckFix(Job job, CheckFix fix, String state, String commit) {
        jobs.finishCheckFix(fix.key(), state, commit);
        audit.accept(AuditEvent.of("agent.check-fix", target(job))
                .tenant(job.tenant())
                .actor(Actor.system())
                .field("job", job.id())
                .field("pullRequest", fix.pullRequest())
                .field("checkRun", fix.checkRunId())
                .field("outcome", state)
                .success());
    }

    private static String checkTask(long pullRequest, String logs) {
        return "A check failed on your pull request #" + pullRequest + ".\n\n" + logs
                + "Find the cause in this branch and fix it with the smallest change, then call done with a one-line"
                + " summary. Never change CI workflow files.";
    }

    /**
     * Queues a review follow-up. Follow-ups run one at a time (so never two on one pull request), each fetching the
     * branch head it builds on.
     */
    public void submitFollowUp(String key) {
        iterateLater("follow-up " + key, () -> runFollowUp(key));
    }

    /**
     * Answers one review comment: one {@link #iterate iteration} on the pull request's branch with the comment as the
     * task, then a reply in the thread, resolved when a commit was pushed. Anything that stops it is said in the
     * thread instead, and the thread stays open.
     */
    void runFollowUp(String key) {
        Optional<FollowUp> found = jobs.followUp(key).filter(f -> f.state().equals("queued"));
        if (found.isEmpty()) {
            return;
        }
        FollowUp followUp = found.get();
        Job job = jobs.find(followUp.jobId()).orElseThrow();
        RepoClient client =
                gitHub.repository(job.tenant(), job.installationId(), RepoName.parse(job.repo()), PERMISSIONS);
        String marker = "<!-- magicode:follow-up:" + followUp.commentId() + " -->";
        try {
            if (job.state() != Job.State.OPEN) {
                answer(
                        client,
                        followUp,
                        false,
                        "",
                        "The job for this pull request is " + job.state().label()
                                + ", so this comment was not taken up.",
                        marker);
                return;
            }
            Iteration iteration = iterate(
                    job,
                    client,
                    new Iterating(
                            job.id() + "-review-" + followUp.commentId(),
                            "review",
                            "comment " + followUp.commentId(),
                            reviewTask(followUp),
                            followUp.author(),
                            "Address review comment on #" + followUp.pullRequest() + " (" + reference(job) + ")"));
            switch (iteration) {
                case Iteration.Pushed pushed ->
                    answer(
                            client,
                            followUp,
                            true,
                            pushed.commit(),
                            "Done in " + pushed.commit() + ": " + limit(pushed.summary(), 1000),
                            marker);
                case Iteration.Declined declined -> answer(client, followUp, false, "", declined.reason(), marker);
            }
        } catch (AgentException | GitHubException | GitException | LlmException | IndexException e) {
            if (stopping()) {
                return;
            }
            try {
                answer(client, followUp, false, "", "I could not finish this: " + limit(e.getMessage(), 500), marker);
            } catch (GitHubException again) {
                LOG.log(WARNING, "Agent follow-up " + key + " could not reply: " + again.getMessage());
                jobs.finishFollowUp(key, "declined", "");
            }
        }
    }

    /** What one iteration on an open job's branch came to. */
    private sealed interface Iteration {
        /** A commit was pushed on top of the branch's head. */
        record Pushed(String commit, String summary) implements Iteration {}

        /** Nothing was pushed; {@code reason} says why, for the people on the pull request. */
        record Declined(String reason) implements Iteration {}
    }

    /**
     * What an iteration works on.
     *
     * @param workspace the workspace's name
     * @param prefix the timeline's step prefix ({@code review}, {@code check})
     * @param what what it answers, for the timeline ({@code comment 12}, {@code check ci})
     * @param task the model's task
     * @param user who asked (the gateway's user)
     * @param title the commit message's first line
     */
    private record Iterating(String workspace, String prefix, String what, String task, String user, String title) {}

    /**
     * One iteration on an open job's branch: fetch the branch at its current head into a fresh workspace (with the
     * {@code .magicode.yml} of that commit), run the edit loop with the task (the cost cap counts what the job spent
     * already), validate, commit on top of that head and push it fast-forward through the push guard (a branch that
     * moved meanwhile is refused, by us or by the remote). Recorded as steps {@code <prefix>-edit},
     * {@code <prefix>-validate} (only when refused) and {@code <prefix>-push}.
     */
    private Iteration iterate(Job job, RepoClient client, Iterating it) {
        Instant start = clock.instant();
        try (Workspace workspace = workspaces.fetch(
                it.workspace(), client.gitUrl(), Optional.of(client.token().value()), job.branch())) {
            RepoConfig repoConfig = repoConfig(workspace);
            java.nio.file.Path tree = workspace.dir().resolve("magicode-tree");
            WorkTree.checkout(workspace.dir(), workspace.commit(), tree);
            Workbench bench = new Workbench(tree);
            String tenant = job.tenant();
            String repoKey = String.valueOf(job.repoId());
            AgentLoop.Outcome outcome = loop.run(
                    ChatRequest.builder(job.tenant(), "edit")
                            .repo(job.repo(), Set.of())
                            .user(it.user(), Set.of())
                            .job(job.id())
                            .maxOutputTokens(4096),
                    it.task(),
                    bench,
                    query -> search(tenant, repoKey, query),
                    () -> WorkTree.diff(workspace.dir(), workspace.commit(), tree),
                    new AgentLoop.Caps(
                            config.maxTurns(),
                            config.noProgressTurns(),
                            clock.instant().plus(config.maxDuration()),
                            config.maxCostUsd() - job.costUsd()),
                    () -> false);
            job = record(
                    job,
                    new Job.Step(
                            it.prefix() + "-edit",
                            start,
                            clock.instant(),
                            outcome.inputTokens(),
                            outcome.outputTokens(),
                            outcome.costUsd(),
                            outcome.model(),
                            outcome.local(),
                            outcome.done() ? "ok" : "failed",
                            it.what() + ": "
                                    + (outcome.done()
                                            ? bench.changed().size() + " file(s) changed"
                                            : "stopped (" + outcome.stop() + ")")));
            if (!outcome.done()) {
                return new Iteration.Declined("I could not finish this: " + stopReason(outcome));
            }
            if (bench.changed().isEmpty()) {
                return new Iteration.Declined("I made no change for this: " + limit(outcome.summary(), 1000));
            }
            List<Validation.Finding> problems;
            try (GitRepository repository = GitRepository.open(workspace.dir())) {
                problems = Validation.check(tree, bench.changed(), repoConfig, repository, workspace.commit());
            }
            if (!problems.isEmpty()) {
                step(job, it.prefix() + "-validate", clock.instant(), "refused", problems.size() + " problem(s)");
                return new Iteration.Declined(refusal(problems));
            }
            WorkTree.Person bot = new WorkTree.Person(config.botLogin(), config.botEmail());
            String message = it.title() + "\n\n" + firstParagraph(outcome.summary()) + coAuthor(job, client);
            String commit = WorkTree.commit(workspace.dir(), workspace.commit(), tree, message, bot, bot);
            Instant pushStart = clock.instant();
            Optional<String> head = client.branch(job.branch()).map(RepoClient.Branch::sha);
            if (!head.equals(Optional.of(workspace.commit()))) {
                step(job, it.prefix() + "-push", pushStart, "refused", "the branch moved");
                return new Iteration.Declined("The branch moved while I worked on this (it was at " + workspace.commit()
                        + "), so nothing was pushed; ask again to have it redone on the new head.");
            }
            // Not forced: the remote takes it only as a fast-forward of the head it was built on.
            PushGuard.Result result = pushGuard.push(client, workspace.dir(), commit, job.branch(), false);
            return switch (result) {
                case PushGuard.Pushed pushed -> {
                    Job updated = jobs.update(
                            job.id(),
                            j -> j.withPush(j.branch(), commit)
                                    .withStep(new Job.Step(
                                            it.prefix() + "-push",
                                            pushStart,
                                            clock.instant(),
                                            0,
                                            0,
                                            0,
                                            "",
                                            false,
                                            "ok",
                                            "pushed " + commit.substring(0, 7) + " for " + it.what())));
                    audit(updated, it.prefix() + "-push", "ok");
                    yield new Iteration.Pushed(commit, outcome.summary());
                }
                case PushGuard.Refused refused -> {
                    step(job, it.prefix() + "-push", pushStart, "refused", refused.reason());
                    yield new Iteration.Declined("The push guard refused the push: " + refused.detail());
                }
            };
        }
    }

    private static String refusal(List<Validation.Finding> problems) {
        StringBuilder why = new StringBuilder("The change was refused before any push:");
        problems.forEach(p -> why.append("\n- `")
                .append(p.path())
                .append("` (")
                .append(p.rule())
                .append("): ")
                .append(p.message()));
        return why.toString();
    }

    /** Replies in the comment's thread once (a reply carrying the marker is not posted again), resolves it when done. */
    private void answer(RepoClient client, FollowUp followUp, boolean done, String commit, String text, String marker) {
        boolean replied = client.reviewComments(followUp.pullRequest()).stream()
                .anyMatch(c -> c.body().contains(marker));
        if (!replied) {
            client.replyToReviewComment(followUp.pullRequest(), followUp.threadComment(), text + "\n" + marker + "\n");
        }
        if (done) {
            client.reviewThreads(followUp.pullRequest()).stream()
                    .filter(t -> t.firstCommentId() == followUp.threadComment() && !t.resolved())
                    .forEach(t -> client.resolveReviewThread(t.id()));
        }
        jobs.finishFollowUp(followUp.key(), done ? "done" : "declined", commit);
        jobs.find(followUp.jobId())
                .ifPresent(job -> audit.accept(AuditEvent.of("agent.follow-up", target(job))
                        .tenant(job.tenant())
                        .actor(Actor.system())
                        .field("job", job.id())
                        .field("comment", followUp.commentId())
                        .field("outcome", done ? "done" : "declined")
                        .success()));
    }

    private static String reviewTask(FollowUp followUp) {
        return "A reviewer commented on your pull request #" + followUp.pullRequest() + ", on `" + followUp.path() + "`"
                + (followUp.line() > 0 ? " line " + followUp.line() : "") + ":\n\n" + followUp.body()
                + "\n\nMake the change the reviewer asks for in this branch, then call done with a one-line summary.";
    }

    private synchronized boolean stopping() {
        return closed;
    }

    /** Whether any job is queued or running in this process. */
    synchronized boolean busy() {
        return !queue.isEmpty() || !running.isEmpty();
    }

    /** Queues the job unless it is queued or running already. */
    public synchronized void submit(String id) {
        if (closed || running.contains(id) || queue.contains(id)) {
            return;
        }
        queue.add(id);
        dispatch();
    }

    /**
     * Cancels a job: a queued job never starts, a running one stops before its next step (nothing is pushed after).
     *
     * @return the job as it is now
     */
    public Job cancel(String id, Actor actor, String why) {
        Job job = jobs.update(
                id,
                j -> j.state().terminal()
                        ? j
                        : j.withState(Job.State.CANCELLED, clock.instant()).withError(why));
        audit.accept(AuditEvent.of("agent.job.cancel", target(job))
                .tenant(job.tenant())
                .actor(actor)
                .field("job", id)
                .field("state", job.state().label())
                .success());
        return job;
    }

    /**
     * The jobs as the data inventory lists them: exported with their timelines; erased after the tenant's unfinished
     * jobs are cancelled (a running one stops before its next step, nothing is pushed after).
     */
    public TenantData tenantData() {
        return new TenantData(
                        Jobs.SECTION,
                        "store section " + Jobs.SECTION,
                        "until the tenant is deleted",
                        "the agent's jobs: trigger, state, steps with timing, tokens, cost and model, branch and pull request;"
                                + " the review comments taken as follow-ups (file, line, text, reviewer, outcome); the failed"
                                + " checks taken as fix tasks (check, commit, outcome)",
                        List.of("store:" + Jobs.SECTION, "store:" + Jobs.FOLLOW_UPS, "store:" + Jobs.CHECK_FIXES),
                        (tenant, sink) -> {
                            sink.add(
                                    "agent/jobs.json",
                                    jobs.list(j -> j.tenant().equals(tenant)).stream()
                                            .map(JobRunner::exported)
                                            .toList());
                            sink.add(
                                    "agent/follow-ups.json",
                                    jobs.followUps(tenant).stream()
                                            .map(JobRunner::exported)
                                            .toList());
                            sink.add(
                                    "agent/check-fixes.json",
                                    jobs.checkFixes(tenant).stream()
                                            .map(JobRunner::exported)
                                            .toList());
                        },
                        tenant -> {
                            jobs.list(j -> j.tenant().equals(tenant)
                                            && !j.state().terminal())
                                    .forEach(j -> cancel(j.id(), Actor.system(), "the tenant is being deleted"));
                            jobs.erase(tenant);
                        })
                // A user's own export: the jobs they started through the API (their id is the requester). Jobs from
                // GitHub name a GitHub login and ticket jobs a ticket key, neither of which identity links to a user.
                .exportingUser((tenant, user, sink) -> sink.add(
                        "agent/jobs.json",
                        jobs
                                .list(j -> j.tenant().equals(tenant)
                                        && j.trigger().equals("api")
                                        && j.requester().equals(user))
                                .stream()
                                .map(JobRunner::exported)
                                .toList()));
    }

    private static Map<String, Object> exported(CheckFix fix) {
        return exportedTask(fix.jobId(), fix.pullRequest(), fix.state(), fix.commit(), fix.createdAt(), out -> {
            out.put("checkRun", fix.checkRunId());
            out.put("checkName", fix.checkName());
            out.put("headSha", fix.headSha());
        });
    }

    private static Map<String, Object> exported(FollowUp followUp) {
        return exportedTask(
                followUp.jobId(),
                followUp.pullRequest(),
                followUp.state(),
                followUp.commit(),
                followUp.createdAt(),
                out -> {
                    out.put("comment", followUp.commentId());
                    out.put("path", followUp.path());
                    out.put("line", followUp.line());
                    out.put("body", followUp.body());
                    out.put("author", followUp.author());
                });
    }

    /**
     * A task taken on a job's pull request (a check fix or a follow-up) as the export writes it: the job and pull
     * request, the task's own fields, then its outcome.
     */
    private static Map<String, Object> exportedTask(
            String jobId,
            long pullRequest,
            String state,
            String commit,
            Instant createdAt,
            Consumer<Map<String, Object>> own) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job", jobId);
        out.put("pullRequest", pullRequest);
        own.accept(out);
        out.put("state", state);
        out.put("commit", commit);
        out.put("createdAt", String.valueOf(createdAt));
        return out;
    }

    private static Map<String, Object> exported(Job job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", job.id());
        out.put("repo", job.repo());
        out.put("issue", job.issue());
        out.put("title", job.title());
        out.put("trigger", job.trigger());
        out.put("requester", job.requester());
        out.put("state", job.state().label());
        out.put("branch", job.branch());
        out.put("pullRequest", job.pullRequest());
        out.put("error", job.error());
        out.put("createdAt", String.valueOf(job.createdAt()));
        out.put(
                "steps",
                job.steps().stream()
                        .map(step -> {
                            Map<String, Object> s = new LinkedHashMap<>();
                            s.put("name", step.name());
                            s.put("startedAt", String.valueOf(step.startedAt()));
                            s.put("endedAt", String.valueOf(step.endedAt()));
                            s.put("inputTokens", step.inputTokens());
                            s.put("outputTokens", step.outputTokens());
                            s.put("costUsd", step.costUsd());
                            s.put("model", step.model());
                            s.put("local", step.local());
                            s.put("outcome", step.outcome());
                            return s;
                        })
                        .toList());
        return out;
    }

    private synchronized void dispatch() {
        Iterator<String> it = queue.iterator();
        while (it.hasNext()) {
            String id = it.next();
            Optional<Job> found = jobs.find(id);
            if (found.isEmpty() || !found.get().state().running()) {
                it.remove();
                continue;
            }
            Job job = found.get();
            if (perTenant.getOrDefault(job.tenant(), 0) >= config.maxConcurrentPerTenant()
                    || perRepo.getOrDefault(job.repoId(), 0) >= config.maxConcurrentPerRepo()) {
                continue;
            }
            it.remove();
            running.add(id);
            perTenant.merge(job.tenant(), 1, Integer::sum);
            perRepo.merge(job.repoId(), 1, Integer::sum);
            executor.execute(() -> {
                try {
                    run(id);
                } catch (RuntimeException e) {
                    LOG.log(WARNING, "Agent job " + id + " stopped unexpectedly", e);
                } finally {
                    release(job);
                }
            });
        }
    }

    private synchronized void release(Job job) {
        running.remove(job.id());
        perTenant.merge(job.tenant(), -1, Integer::sum);
        perRepo.merge(job.repoId(), -1, Integer::sum);
        if (!closed) {
            dispatch();
        }
    }

    /** Runs (or resumes) one job to a finished state. */
    void run(String id) {
        Job job = jobs.find(id).orElseThrow();
        if (!job.state().running()) {
            return;
        }
        RepoClient client =
                gitHub.repository(job.tenant(), job.installationId(), RepoName.parse(job.repo()), PERMISSIONS);
        try {
            job = acknowledge(job, client);
            if (job.trigger().equals("plan") && !job.completed("plan")) {
                plan(job, client);
                return;
            }
            if (!job.completed("push")) {
                job = work(job, client);
                if (!job.state().running()) {
                    return;
                }
            }
            openPullRequest(job, client);
        } catch (AgentException | GitHubException | GitException | LlmException | IndexException | TicketsException e) {
            if (stopping()) {
                // Interrupted by shutdown, not failed: the job resumes at the next start.
                LOG.log(INFO, "Agent job " + id + " interrupted by shutdown; it resumes at the next start");
                return;
            }
            fail(id, client, "error", e.getMessage());
        }
    }

    /**
     * The plan step of a job started by {@code @magicode plan}: localize, ask the model for a plan (no tools, no code
     * read), post it on the issue (once: the comment carries a marker looked for first) and wait in state
     * {@code waiting} for {@link #approve} or a cancellation. A waiting job is not resumed at startup: it waits for
     * people, durably.
     */
    private void plan(Job job, RepoClient client) {
        jobs.move(job.id(), Job.State.PLANNING);
        RepoClient.Issue issue = client.issue(job.issue());
        List<String> localized = localize(job, client, Optional.empty());
        job = jobs.find(job.id()).orElseThrow();
        if (cancelled(job)) {
            finishCancelled(job);
            return;
        }
        Instant start = clock.instant();
        AgentLoop.Outcome outcome = loop.plan(
                ChatRequest.builder(job.tenant(), "edit")
                        .repo(job.repo(), Set.of())
                        .user(job.requester(), Set.of())
                        .job(job.id())
                        .maxOutputTokens(2048),
                task(reference(job), issue, localized));
        if (!outcome.done()) {
            record(job, planStep(start, outcome, "failed", "no plan (" + outcome.stop() + ")"));
            fail(job.id(), client, outcome.stop(), stopReason(outcome));
            return;
        }
        String marker = planMarker(job);
        long issueNumber = job.issue();
        RepoClient.Comment posted = client.comments(issueNumber).stream()
                .filter(c -> c.body().contains(marker))
                .findFirst()
                .orElseGet(() -> client.comment(
                        issueNumber,
                        "Here is my plan for this issue:\n\n" + limit(outcome.summary(), 6000)
                                + "\n\nComment `@magicode approve` (or `@magicode fix`) to have me go ahead with it,"
                                + " or `@magicode stop` to cancel. Only collaborators with write access can approve.\n"
                                + marker + "\n"));
        job = record(job, planStep(start, outcome, "ok", "posted the plan as comment " + posted.id()));
        if (!cancelled(job)) {
            jobs.move(job.id(), Job.State.WAITING);
        }
    }

    private Job.Step planStep(Instant start, AgentLoop.Outcome outcome, String result, String detail) {
        return new Job.Step(
                "plan",
                start,
                clock.instant(),
                outcome.inputTokens(),
                outcome.outputTokens(),
                outcome.costUsd(),
                outcome.model(),
                outcome.local(),
                result,
                detail);
    }

    private static String planMarker(Job job) {
        return "<!-- magicode:job:" + job.id() + ":plan -->";
    }

    /** The plan people approved, for the edit step's task; empty for a job without a plan step. */
    private static String approvedPlan(Job job, RepoClient client) {
        if (!job.completed("plan")) {
            return "";
        }
        String marker = planMarker(job);
        return client.comments(job.issue()).stream()
                .map(RepoClient.Comment::body)
                .filter(b -> b.contains(marker))
                .findFirst()
                .map(b -> "\n\nThe plan you posted and people approved; follow it:\n"
                        + b.replace(marker, "").strip())
                .orElse("");
    }

    /**
     * Approves a job waiting with its plan: it is queued again and goes on after its plan step (the approval is
     * recorded in its timeline and audited). Nothing happens to a job in another state.
     *
     * @return whether the job was waiting (and now runs)
     */
    public boolean approve(String id, Actor actor, String approver) {
        Instant now = clock.instant();
        Job job = jobs.update(
                id,
                j -> j.state() != Job.State.WAITING
                        ? j
                        : j.withStep(new Job.Step(
                                        "approve", now, now, 0, 0, 0, "", false, "ok", "approved by @" + approver))
                                .withState(Job.State.QUEUED, now));
        boolean approved = job.state() == Job.State.QUEUED;
        audit.accept(AuditEvent.of("agent.job.approve", target(job))
                .tenant(job.tenant())
                .actor(actor)
                .field("job", id)
                .field("state", job.state().label())
                .field("approved", approved)
                .success());
        if (approved) {
            submit(id);
        }
        return approved;
    }

    private Job acknowledge(Job job, RepoClient client) {
        if (job.completed("acknowledge")) {
            return job;
        }
        Instant start = clock.instant();
        if (job.triggerComment() > 0) {
            client.reactToComment(job.triggerComment(), "eyes");
        } else if (!job.trigger().equals("api") && !TicketJobs.isTicket(job)) {
            client.reactToIssue(job.issue(), "eyes");
        }
        return step(job, "acknowledge", start, "ok", "reacted with eyes");
    }

    private Job work(Job job, RepoClient client) {
        jobs.move(job.id(), Job.State.PLANNING);
        RepoClient.Issue issue = TicketJobs.isTicket(job) ? tickets.issue(job) : client.issue(job.issue());
        String base = defaultBranch(job);
        Instant start = clock.instant();
        try (Workspace workspace = workspaces.fetch(
                job.id(), client.gitUrl(), Optional.of(client.token().value()), base)) {
            job = step(job, "fetch", start, "ok", "fetched " + base + " at " + workspace.commit());
            if (cancelled(job)) {
                return finishCancelled(job);
            }
            start = clock.instant();
            RepoConfig repoConfig;
            try {
                repoConfig = repoConfig(workspace);
            } catch (AgentException e) {
                step(job, "config", start, "refused", limit(e.getMessage(), 200));
                return fail(
                        job.id(),
                        client,
                        "config",
                        "The repository's `" + RepoConfig.FILE + "` could not be used, so nothing was changed:\n\n> "
                                + e.getMessage() + "\n\nFix the file on `" + base + "` and trigger the job again.");
            }
            List<String> localized = localize(job, client, Optional.of(workspace));
            job = jobs.find(job.id()).orElseThrow();
            if (cancelled(job)) {
                return finishCancelled(job);
            }
            jobs.move(job.id(), Job.State.WORKING);
            java.nio.file.Path tree = workspace.dir().resolve("magicode-tree");
            WorkTree.checkout(workspace.dir(), workspace.commit(), tree);
            Workbench bench = new Workbench(tree);
            String repoKey = String.valueOf(job.repoId());
            String jobId = job.id();
            String tenant = job.tenant();
            start = clock.instant();
            AgentLoop.Outcome outcome = loop.run(
                    ChatRequest.builder(job.tenant(), "edit")
                            .repo(job.repo(), Set.of())
                            .user(job.requester(), Set.of())
                            .job(job.id())
                            .maxOutputTokens(4096),
                    task(reference(job), issue, localized) + approvedPlan(job, client),
                    bench,
                    query -> search(tenant, repoKey, query),
                    () -> WorkTree.diff(workspace.dir(), workspace.commit(), tree),
                    new AgentLoop.Caps(
                            config.maxTurns(),
                            config.noProgressTurns(),
                            job.createdAt().plus(config.maxDuration()),
                            config.maxCostUsd() - job.costUsd()),
                    () -> cancelled(jobs.find(jobId).orElseThrow()));
            String editOutcome = outcome.done() ? "ok" : outcome.stop().equals("cancelled") ? "cancelled" : "failed";
            job = record(
                    job,
                    new Job.Step(
                            "edit",
                            start,
                            clock.instant(),
                            outcome.inputTokens(),
                            outcome.outputTokens(),
                            outcome.costUsd(),
                            outcome.model(),
                            outcome.local(),
                            editOutcome,
                            outcome.done()
                                    ? outcome.summary()
                                    : "stopped (" + outcome.stop() + ") after " + outcome.turns() + " model call(s)"
                                            + ", " + bench.changed().size() + " file(s) changed"));
            if (cancelled(job)) {
                return finishCancelled(job);
            }
            if (!outcome.done()) {
                return fail(job.id(), client, outcome.stop(), stopReason(outcome));
            }
            if (bench.changed().isEmpty()) {
                return fail(job.id(), client, "no-change", "The model finished without changing any file.");
            }
            jobs.move(job.id(), Job.State.VALIDATING);
            start = clock.instant();
            List<Validation.Finding> problems;
            try (GitRepository repository = GitRepository.open(workspace.dir())) {
                problems = Validation.check(tree, bench.changed(), repoConfig, repository, workspace.commit());
            }
            if (!problems.isEmpty()) {
                step(
                        job,
                        "validate",
                        start,
                        "refused",
                        problems.size() + " problem(s): " + problems.getFirst().rule());
                return fail(job.id(), client, "refused", refusal(problems));
            }
            job = step(job, "validate", start, "ok", bench.changed().size() + " changed file(s) passed");
            if (repoConfig.checkCommand().isPresent()) {
                start = clock.instant();
                if (sandbox.isEmpty()) {
                    job = step(job, "check", start, "skipped", "check.command not run: agent.sandbox.enabled is off");
                } else {
                    Sandbox.Outcome checked =
                            sandbox.get().run(tree, repoConfig.checkCommand().get(), repoConfig.checkTimeout());
                    if (!checked.passed()) {
                        String how = checked.timedOut()
                                ? "timed out after " + repoConfig.checkTimeout().toMinutes() + " minute(s)"
                                : "exited with status " + checked.exitCode();
                        step(job, "check", start, "failed", "check.command " + how);
                        return fail(
                                job.id(),
                                client,
                                "check",
                                "The repository's check command (`check.command` of `" + RepoConfig.FILE + "`) "
                                        + how + ", so nothing was pushed. The end of its output:\n\n```\n"
                                        + checkOutput(checked.output()) + "\n```");
                    }
                    job = step(job, "check", start, "ok", "check.command passed");
                }
            }
            if (cancelled(job)) {
                return finishCancelled(job);
            }
            jobs.move(job.id(), Job.State.PUSHING);
            return push(job, client, workspace, tree, issue);
        }
    }

    /** The end of a check's output for the report: secrets masked, code fences broken up, at most a few KiB. */
    private static String checkOutput(String output) {
        String masked = REDACTOR.redact(output).text().replace("```", "` ` `");
        return masked.length() <= CHECK_OUTPUT_SHOWN
                ? masked
                : "…" + masked.substring(masked.length() - CHECK_OUTPUT_SHOWN);
    }

    /** The {@code .magicode.yml} of the fetched commit, or the defaults when it has none; throws when it is invalid. */
    private static RepoConfig repoConfig(Workspace workspace) {
        try (GitRepository repository = GitRepository.open(workspace.dir())) {
            return repository
                    .text(workspace.commit(), RepoConfig.FILE)
                    .map(RepoConfig::parse)
                    .orElse(RepoConfig.DEFAULT);
        }
    }

    private Job push(Job job, RepoClient client, Workspace workspace, java.nio.file.Path tree, RepoClient.Issue issue) {
        Instant start = clock.instant();
        WorkTree.Person bot = new WorkTree.Person(config.botLogin(), config.botEmail());
        String message = "Fix " + reference(job) + ": " + issue.title() + "\n\n" + firstParagraph(summary(job))
                + coAuthor(job, client);
        String commit = WorkTree.commit(workspace.dir(), workspace.commit(), tree, message, bot, bot);
        String branch = TicketJobs.isTicket(job)
                ? branch(reference(job).toLowerCase(Locale.ROOT), issue.title())
                : branch(job.issue(), issue.title());
        boolean ours = pushGuard.created(client.repo(), branch);
        PushGuard.Result result = pushGuard.push(client, workspace.dir(), commit, branch, ours);
        return switch (result) {
            case PushGuard.Pushed pushed -> {
                Instant end = clock.instant();
                Job updated = jobs.update(
                        job.id(),
                        j -> j.withPush(branch, commit)
                                .withStep(new Job.Step(
                                        "push",
                                        start,
                                        end,
                                        0,
                                        0,
                                        0,
                                        "",
                                        false,
                                        "ok",
                                        (pushed.created() ? "created " : "updated ") + branch)));
                audit(updated, "push", "ok");
                yield updated;
            }
            case PushGuard.Refused refused -> {
                step(job, "push", start, "refused", refused.reason());
                yield fail(job.id(), client, "push-refused", "The push guard refused the push: " + refused.detail());
            }
        };
    }

    private void openPullRequest(Job job, RepoClient client) {
        if (!job.completed("pull-request")) {
            Instant start = clock.instant();
            List<RepoClient.PullRequest> existing = client.pullRequestsForHead(job.branch());
            RepoClient.PullRequest pr = existing.isEmpty()
                    ? client.createPullRequest(
                            job.branch(),
                            defaultBranch(job),
                            "Fix " + reference(job) + ": "
                                    + (TicketJobs.isTicket(job)
                                            ? tickets.issue(job).title()
                                            : client.issue(job.issue()).title()),
                            pullRequestBody(job, client),
                            config.draft())
                    : existing.getFirst();
            Instant end = clock.instant();
            job = jobs.update(
                    job.id(),
                    j -> j.withPullRequest(pr.number())
                            .withStep(new Job.Step(
                                    "pull-request",
                                    start,
                                    end,
                                    0,
                                    0,
                                    0,
                                    "",
                                    false,
                                    "ok",
                                    (existing.isEmpty() ? "opened #" : "reused #") + pr.number())));
            audit(job, "pull-request", "ok");
            if (TicketJobs.isTicket(job)) {
                tickets.opened(job, pr.url());
            }
        }
        Job open = jobs.move(job.id(), Job.State.OPEN);
        audit.accept(AuditEvent.of("agent.job.finish", target(open))
                .tenant(open.tenant())
                .actor(Actor.system())
                .field("job", open.id())
                .field("state", open.state().label())
                .field("pullRequest", open.pullRequest())
                .field("tokens", open.tokens())
                .success());
    }

    /**
     * Brings the repository's index to the job's commit and searches it for the issue. With the job's own fetched
     * workspace, an index at that commit is used as it is, and one at an earlier commit reads only the changed files
     * from the workspace (no second fetch); the index fetches the repository itself only for its first build.
     */
    private List<String> localize(Job job, RepoClient client, Optional<Workspace> workspace) {
        Instant start = clock.instant();
        String repoKey = String.valueOf(job.repoId());
        IndexStatus status = indexes.status(job.tenant(), repoKey);
        try {
            if (workspace.isEmpty()
                    || status.busy()
                    || !status.commit().equals(Optional.of(workspace.get().commit()))) {
                indexes.request(
                        job.tenant(),
                        repoKey,
                        () -> workspaces.fetch(
                                "index-" + repoKey,
                                client.gitUrl(),
                                Optional.of(client.token().value()),
                                "HEAD"),
                        workspace.map(JobRunner::listing),
                        Actor.system());
            }
            status = indexes.await(job.tenant(), repoKey, config.indexWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("Interrupted while waiting for the index", e);
        }
        step(
                job,
                "index",
                start,
                "ok",
                "index " + status.state().name().toLowerCase(Locale.ROOT)
                        + status.commit().map(c -> " at " + c).orElse(""));
        start = clock.instant();
        List<String> paths = search(job.tenant(), repoKey, job.title());
        step(job, "localize", start, "ok", paths.size() + " candidate file(s)");
        return paths;
    }

    /** The job's workspace as the index's listing: its commit's tree, and files read from it (no network). */
    private static RepoIndexes.Listing listing(Workspace workspace) {
        return new RepoIndexes.Listing(
                maxBytes -> Optional.of(workspace.repository().snapshot(workspace.commit(), maxBytes)),
                workspace.repository()::text);
    }

    private List<String> search(String tenant, String repo, String query) {
        if (query == null || query.isBlank()) {
            return List.of();
        }
        try {
            return indexes.search(tenant, repo, query, LOCALIZE_TOP).stream()
                    .map(FileScore::path)
                    .toList();
        } catch (IndexException e) {
            return List.of();
        }
    }

    private String defaultBranch(Job job) {
        return gitHub.repositories(job.installationId()).stream()
                .filter(r -> r.id() == job.repoId())
                .map(GitHub.Repository::defaultBranch)
                .filter(b -> !b.isBlank())
                .findFirst()
                .orElse("main");
    }

    /**
     * Marks the job failed and posts the failure report once (a report already posted, recognised by its marker, is
     * not posted again).
     */
    private Job fail(String id, RepoClient client, String reason, String detail) {
        Job job = jobs.find(id).orElseThrow();
        if (job.state().terminal()) {
            return job;
        }
        job = jobs.update(id, j -> j.withError(reason + ": " + limit(detail, 500)));
        Instant start = clock.instant();
        try {
            if (job.reportComment() == 0 && TicketJobs.isTicket(job)) {
                // Trackers' comments are not searched for a marker: the job records the report as posted (id 1).
                tickets.report(job, report(job, detail, ""));
                job = jobs.update(id, j -> j.withReport(1));
            } else if (job.reportComment() == 0) {
                String marker = "<!-- magicode:job:" + id + ":report -->";
                Optional<RepoClient.Comment> posted = client.comments(job.issue()).stream()
                        .filter(c -> c.body().contains(marker))
                        .findFirst();
                long issue = job.issue();
                RepoClient.Comment comment = posted.orElseGet(
                        () -> client.comment(issue, report(jobs.find(id).orElseThrow(), detail, marker)));
                job = jobs.update(id, j -> j.withReport(comment.id()));
            }
            job = step(job, "report", start, "ok", "reported on " + reference(job));
        } catch (GitHubException | TicketsException e) {
            job = step(job, "report", start, "failed", "could not comment: " + limit(e.getMessage(), 200));
        }
        Job failed = jobs.move(id, Job.State.FAILED);
        audit.accept(AuditEvent.of("agent.job.finish", target(failed))
                .tenant(failed.tenant())
                .actor(Actor.system())
                .field("job", id)
                .field("state", failed.state().label())
                .field("reason", reason)
                .failure());
        return failed;
    }

    private Job finishCancelled(Job job) {
        audit(job, "cancelled", "cancelled");
        return jobs.find(job.id()).orElseThrow();
    }

    private boolean cancelled(Job job) {
        return jobs.find(job.id()).map(j -> j.state() == Job.State.CANCELLED).orElse(true);
    }

    private Job step(Job job, String name, Instant start, String outcome, String detail) {
        return record(job, new Job.Step(name, start, clock.instant(), 0, 0, 0, "", false, outcome, detail));
    }

    private Job record(Job job, Job.Step step) {
        Job updated = jobs.update(job.id(), j -> j.withStep(step));
        audit(updated, step.name(), step.outcome());
        return updated;
    }

    private void audit(Job job, String step, String outcome) {
        AuditEvent.Builder event = AuditEvent.of("agent.step", target(job))
                .tenant(job.tenant())
                .actor(Actor.system())
                .field("job", job.id())
                .field("step", step)
                .field("outcome", outcome);
        job.steps().stream()
                .filter(s -> s.name().equals(step))
                .reduce((a, b) -> b)
                .filter(s -> !s.model().isEmpty())
                .ifPresent(s -> event.field("model", s.model())
                        .field("local", s.local())
                        .field("tokens", s.inputTokens() + s.outputTokens()));
        audit.accept(outcome.equals("ok") ? event.success() : event.failure());
    }

    private String pullRequestBody(Job job, RepoClient client) {
        Optional<Job.Step> edit = lastEdit(job);
        String model = edit.map(Job.Step::model).orElse("?");
        String where = edit.map(
                        s -> s.local() ? "a local model: the code stayed inside the network" : "an external provider")
                .orElse("?");
        return summary(job) + "\n\n"
                + "## How to verify\n\n"
                + "Read the diff, run the tests this repository's CI runs on this pull request, and check the behaviour"
                + " the issue describes.\n\n"
                + (TicketJobs.isTicket(job)
                        ? "Ticket: [" + reference(job) + "](" + tickets.url(job) + ")\n\n"
                        : "Fixes #" + job.issue() + "\n\n")
                + "---\n"
                + "Opened by MagiCode for " + requester(job, client) + " (job `" + job.id() + "`). Model: `" + model
                + "` ("
                + where + "). Tokens: " + job.tokens() + ". Cost: $" + String.format(Locale.ROOT, "%.4f", job.costUsd())
                + ".\n<!-- magicode:job:" + job.id() + " -->\n";
    }

    private String report(Job job, String detail, String marker) {
        StringBuilder text = new StringBuilder("MagiCode could not finish a pull request for this issue.\n\n");
        text.append(detail).append("\n\n**What was tried:**\n");
        job.steps()
                .forEach(s -> text.append("- ")
                        .append(s.name())
                        .append(": ")
                        .append(s.outcome())
                        .append(s.name().equals("edit") && s.ok() ? "" : " — " + limit(s.detail(), 200))
                        .append('\n'));
        if (!job.branch().isEmpty()) {
            text.append("\nPartial work is on branch `").append(job.branch()).append("`.\n");
        }
        text.append("\nWhat is left: the change itself; comment `@magicode fix` to try again. Tokens used: ")
                .append(job.tokens())
                .append(".\n")
                .append(marker)
                .append('\n');
        return text.toString();
    }

    private static String stopReason(AgentLoop.Outcome outcome) {
        return switch (outcome.stop()) {
            case "turns" -> "The job reached its limit of model calls.";
            case "no-progress" -> "The model made no edit for several turns in a row.";
            case "time" -> "The job reached its time limit.";
            case "cost" -> "The job reached its cost limit.";
            case "refused" -> "The routing policy refused the model call: " + outcome.summary();
            default -> "The job stopped: " + outcome.stop() + ".";
        };
    }

    private static Optional<Job.Step> lastEdit(Job job) {
        return job.steps().stream()
                .filter(s -> s.name().equals("edit") && s.ok())
                .reduce((a, b) -> b);
    }

    private static String summary(Job job) {
        return lastEdit(job).map(Job.Step::detail).filter(s -> !s.isBlank()).orElse("Fixes the issue.");
    }

    private static String firstParagraph(String text) {
        int end = text.indexOf("\n\n");
        return limit(end < 0 ? text : text.substring(0, end), 1000);
    }

    private String coAuthor(Job job, RepoClient client) {
        Optional<String> login = TicketJobs.isTicket(job)
                ? tickets.assigneeLogin(job, client)
                : Optional.of(job.requester()).filter(r -> !job.trigger().equals("api"));
        if (login.isEmpty() || !login.get().matches("[A-Za-z0-9-]{1,39}")) {
            return "\n";
        }
        return "\n\nCo-authored-by: " + login.get() + " <" + login.get() + "@users.noreply.github.com>\n";
    }

    /** Who the pull request is for: the GitHub requester, or a ticket's assignee found on GitHub, else the ticket. */
    private String requester(Job job, RepoClient client) {
        if (!TicketJobs.isTicket(job)) {
            return "@" + job.requester();
        }
        return tickets.assigneeLogin(job, client).map(l -> "@" + l).orElse(reference(job));
    }

    /** How the commit, pull request and task name the work: {@code #N}, or a ticket's key. */
    private String reference(Job job) {
        return TicketJobs.isTicket(job) ? tickets.reference(job) : "#" + job.issue();
    }

    /** {@code magicode/issue-<n>-<slug>} with the title's words, lower case. */
    String branch(long issue, String title) {
        return branch("issue-" + issue, title);
    }

    /** {@code magicode/<name>-<slug>} with the title's words, lower case. */
    private String branch(String name, String title) {
        String slug =
                title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > 40) {
            slug = slug.substring(0, 40).replaceAll("-+$", "");
        }
        return branchPrefix + name + (slug.isEmpty() ? "" : "-" + slug);
    }

    private static String limit(String text, int max) {
        String value = text == null ? "" : text;
        return value.length() <= max ? value : value.substring(0, max) + "…";
    }

    private static String target(Job job) {
        return job.repo() + "#" + job.issue();
    }

    private static String task(String reference, RepoClient.Issue issue, List<String> localized) {
        return (reference.startsWith("#") ? "Issue " : "Ticket ") + reference + ": " + issue.title() + "\n\n"
                + issue.body() + "\n\n"
                + (localized.isEmpty()
                        ? "No index results; use list_files to find the code."
                        : "Files that look relevant, best first:\n" + String.join("\n", localized));
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            queue.clear();
        }
        executor.shutdownNow();
        followUps.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(WARNING, "Agent jobs still running at shutdown; they resume at the next start");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
