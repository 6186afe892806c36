package ai.magicode.appliance.agent;

import ai.magicode.appliance.store.ApplianceStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The durable job table (store section {@code agent.jobs}): at most one unfinished job per issue, every change stored
 * before it is visible, and the unfinished jobs listed at startup so the runner resumes them.
 */
public final class Jobs {
    static final String SECTION = "agent.jobs";
    static final String FOLLOW_UPS = "agent.follow-ups";
    static final String CHECK_FIXES = "agent.check-fixes";

    /**
     * What a trigger asks for.
     *
     * @param tenant tenant
     * @param repoId GitHub repository id
     * @param repo {@code owner/name}
     * @param installationId installation
     * @param issue issue number
     * @param title issue title
     * @param trigger {@code label}, {@code comment}, {@code api}
     * @param requester who asked
     * @param triggerComment the comment that asked, 0 when none
     */
    public record Request(
            String tenant,
            long repoId,
            String repo,
            long installationId,
            long issue,
            String title,
            String trigger,
            String requester,
            long triggerComment) {}

    /**
     * The job a trigger got.
     *
     * @param job the job
     * @param created whether this trigger created it (false: an unfinished job for the issue existed)
     */
    public record Triggered(Job job, boolean created) {}

    private final ApplianceStore store;
    private final Clock clock;
    private final State state;
    private final FollowUpState followUps;
    private final CheckFixState checkFixes;
    private final SecureRandom random = new SecureRandom();

    public Jobs(ApplianceStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.state = store.section(SECTION, State.class, State::new);
        this.followUps = store.section(FOLLOW_UPS, FollowUpState.class, FollowUpState::new);
        this.checkFixes = store.section(CHECK_FIXES, CheckFixState.class, CheckFixState::new);
    }

    /** The open job whose pull request is {@code pullRequest}, if any. */
    public synchronized Optional<Job> openForPullRequest(String tenant, long repoId, long pullRequest) {
        return state.jobs.values().stream()
                .filter(j -> j.tenant().equals(tenant)
                        && j.repoId() == repoId
                        && j.state() == Job.State.OPEN
                        && j.pullRequest() == pullRequest)
                .findFirst();
    }

    /**
     * Records a check fix without storing it (the webhook inbox commits {@link #checkFixTable} with the delivery);
     * false when one with its key exists already (a redelivered event).
     */
    synchronized boolean stageCheckFix(CheckFix fix) {
        return checkFixes.items.putIfAbsent(fix.key(), fix) == null;
    }

    /** The check fix with this key, if any. */
    public synchronized Optional<CheckFix> checkFix(String key) {
        return Optional.ofNullable(checkFixes.items.get(key));
    }

    /** The job's check fixes in a state, oldest first. */
    public synchronized List<CheckFix> checkFixes(String jobId, String inState) {
        return checkFixes.items.values().stream()
                .filter(f -> f.jobId().equals(jobId) && f.state().equals(inState))
                .sorted(Comparator.comparing(CheckFix::createdAt).thenComparing(CheckFix::key))
                .toList();
    }

    /** The tenant's check fixes, oldest first (the data export). */
    public synchronized List<CheckFix> checkFixes(String tenant) {
        return checkFixes.items.values().stream()
                .filter(f -> f.key().startsWith(tenant + ":"))
                .sorted(Comparator.comparing(CheckFix::createdAt).thenComparing(CheckFix::key))
                .toList();
    }

    /** The check fixes not yet run, oldest first (resumed at startup). */
    public synchronized List<CheckFix> queuedCheckFixes() {
        return checkFixes.items.values().stream()
                .filter(f -> f.state().equals("queued"))
                .sorted(Comparator.comparing(CheckFix::createdAt).thenComparing(CheckFix::key))
                .toList();
    }

    /** Stores the check fix's new state durably. */
    public synchronized void finishCheckFix(String key, String next, String commit) {
        CheckFix current = checkFixes.items.get(key);
        if (current != null) {
            checkFixes.items.put(key, current.finished(next, commit));
            store.store(checkFixes.items);
        }
    }

    /** The stored check fix table (what a staged check fix must store). */
    Object checkFixTable() {
        return checkFixes.items;
    }

    /** The open job whose pull request has {@code branch} as head, if any. */
    public synchronized Optional<Job> openForBranch(String tenant, long repoId, String branch) {
        return state.jobs.values().stream()
                .filter(j -> j.tenant().equals(tenant)
                        && j.repoId() == repoId
                        && j.state() == Job.State.OPEN
                        && !j.branch().isEmpty()
                        && j.branch().equals(branch))
                .findFirst();
    }

    /**
     * Records a follow-up without storing it (the webhook inbox commits {@link #followUpTable} with the delivery);
     * false when one with its key exists already (a redelivered comment).
     */
    synchronized boolean stageFollowUp(FollowUp followUp) {
        return followUps.items.putIfAbsent(followUp.key(), followUp) == null;
    }

    /** The follow-up with this key, if any. */
    public synchronized Optional<FollowUp> followUp(String key) {
        return Optional.ofNullable(followUps.items.get(key));
    }

    /** The tenant's follow-ups, oldest first (the data export). */
    public synchronized List<FollowUp> followUps(String tenant) {
        return followUps.items.values().stream()
                .filter(f -> f.key().startsWith(tenant + ":"))
                .sorted(Comparator.comparing(FollowUp::createdAt).thenComparing(FollowUp::key))
                .toList();
    }

    /** The follow-ups not yet answered, oldest first (resumed at startup). */
    public synchronized List<FollowUp> queuedFollowUps() {
        return followUps.items.values().stream()
                .filter(f -> f.state().equals("queued"))
                .sorted(Comparator.comparing(FollowUp::createdAt).thenComparing(FollowUp::key))
                .toList();
    }

    /** Stores the follow-up's new state durably. */
    public synchronized void finishFollowUp(String key, String next, String commit) {
        FollowUp current = followUps.items.get(key);
        if (current != null) {
            followUps.items.put(key, current.finished(next, commit));
            store.store(followUps.items);
        }
    }

    /** The stored follow-up table (what a staged follow-up must store). */
    Object followUpTable() {
        return followUps.items;
    }

    /** The issue's job that has not ended (one per issue), else a new queued one, stored. */
    public synchronized Triggered trigger(Request request) {
        Triggered triggered = stage(request);
        if (triggered.created()) {
            store.store(state.jobs);
        }
        return triggered;
    }

    /**
     * As {@link #trigger} but without storing: for webhook handlers, whose store changes the inbox commits with the
     * delivery ({@link #table} is the object to store).
     */
    synchronized Triggered stage(Request request) {
        Optional<Job> active = state.jobs.values().stream()
                .filter(j -> j.tenant().equals(request.tenant())
                        && j.repoId() == request.repoId()
                        && j.issue() == request.issue()
                        && !j.state().terminal())
                .findFirst();
        if (active.isPresent()) {
            return new Triggered(active.get(), false);
        }
        byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        Instant now = clock.instant();
        Job job = new Job(
                "j-" + HexFormat.of().formatHex(bytes),
                request.tenant(),
                request.repoId(),
                request.repo(),
                request.installationId(),
                request.issue(),
                request.title(),
                request.trigger(),
                request.requester(),
                request.triggerComment(),
                Job.State.QUEUED,
                List.of(),
                "",
                "",
                0,
                0,
                "",
                now,
                now);
        state.jobs.put(job.id(), job);
        return new Triggered(job, true);
    }

    /** The job, in any tenant (the runner's view). */
    public synchronized Optional<Job> find(String id) {
        return Optional.ofNullable(state.jobs.get(id));
    }

    /** The tenant's job, or empty (the API's view: no other tenant's job is ever found). */
    public synchronized Optional<Job> find(String tenant, String id) {
        return find(id).filter(j -> j.tenant().equals(tenant));
    }

    /** The issue's job that has not ended, if any. */
    public synchronized Optional<Job> active(String tenant, long repoId, long issue) {
        return state.jobs.values().stream()
                .filter(j -> j.tenant().equals(tenant)
                        && j.repoId() == repoId
                        && j.issue() == issue
                        && !j.state().terminal())
                .findFirst();
    }

    /** The jobs matching {@code filter}, newest first. */
    public synchronized List<Job> list(Predicate<Job> filter) {
        return state.jobs.values().stream()
                .filter(filter)
                .sorted(Comparator.comparing(Job::createdAt).reversed().thenComparing(Job::id))
                .toList();
    }

    /** Every job the runner works on, oldest first (resumed at startup). */
    public synchronized List<Job> unfinished() {
        return state.jobs.values().stream()
                .filter(j -> j.state().running())
                .sorted(Comparator.comparing(Job::createdAt).thenComparing(Job::id))
                .toList();
    }

    /**
     * Applies {@code change} to the job and stores the result durably before returning it.
     *
     * @throws AgentException when there is no such job
     */
    public synchronized Job update(String id, UnaryOperator<Job> change) {
        Job job = state.jobs.get(id);
        if (job == null) {
            throw new AgentException("There is no job " + id);
        }
        Job next = change.apply(job);
        put(next);
        return next;
    }

    /** Moves the job to {@code next} unless it has ended already (a cancelled job stays cancelled). */
    public synchronized Job move(String id, Job.State next) {
        return update(id, j -> j.state().terminal() ? j : j.withState(next, clock.instant()));
    }

    /** Removes every job of the tenant (privacy deletion); returns how many there were. */
    public synchronized int erase(String tenant) {
        int before = state.jobs.size();
        state.jobs.values().removeIf(j -> j.tenant().equals(tenant));
        store.store(state.jobs);
        followUps.items.values().removeIf(f -> f.key().startsWith(tenant + ":"));
        store.store(followUps.items);
        checkFixes.items.values().removeIf(f -> f.key().startsWith(tenant + ":"));
        store.store(checkFixes.items);
        return before - state.jobs.size();
    }

    /** The stored table (what a staged change must store). */
    Object table() {
        return state.jobs;
    }

    private void put(Job job) {
        state.jobs.put(job.id(), job);
        store.store(state.jobs);
    }

    /** Persistent: jobs by id. */
    static final class State {
        final HashMap<String, Job> jobs = new HashMap<>();
    }

    /** Persistent: review follow-ups by {@code tenant:repoId:commentId}. */
    static final class FollowUpState {
        final HashMap<String, FollowUp> items = new HashMap<>();
    }

    /** Persistent: check fixes by {@code tenant:repoId:run:id} or {@code tenant:repoId:suite:id}. */
    static final class CheckFixState {
        final HashMap<String, CheckFix> items = new HashMap<>();
    }
}
