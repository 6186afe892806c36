package ai.magicode.appliance.agent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One agent job: an issue of a repository turned into a pull request. Stored durably (section {@code agent.jobs});
 * a change makes a new record. The steps are the job's timeline; a step recorded with outcome {@code ok} is never
 * run again, which is what makes a job resumable after a crash.
 *
 * @param id the job id ({@code j-…})
 * @param tenant the tenant the repository belongs to
 * @param repoId the repository's GitHub numeric id
 * @param repo the repository's {@code owner/name}
 * @param installationId the App installation serving the repository
 * @param issue the issue number
 * @param title the issue title when the job was created
 * @param trigger what started it: {@code label}, {@code comment} ({@code @magicode fix}), {@code plan} (posts a plan
 *     and waits for approval), {@code assignment}, {@code api}
 * @param requester the GitHub login (or API caller) who asked
 * @param triggerComment the comment that triggered the job, 0 when none
 * @param state where the job stands
 * @param steps the timeline, oldest first
 * @param branch the job's branch ({@code magicode/issue-N-slug}), empty until named
 * @param commit the commit pushed to the branch, empty until pushed
 * @param pullRequest the pull request number, 0 until opened
 * @param reportComment the id of the failure report comment posted, 0 when none
 * @param error why it failed or stopped, empty otherwise (never source text or a secret)
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 */
public record Job(
        String id,
        String tenant,
        long repoId,
        String repo,
        long installationId,
        long issue,
        String title,
        String trigger,
        String requester,
        long triggerComment,
        State state,
        List<Step> steps,
        String branch,
        String commit,
        long pullRequest,
        long reportComment,
        String error,
        Instant createdAt,
        Instant updatedAt) {
    public Job {
        // A plain ArrayList: the store keeps records with collections it knows how to reload.
        steps = new ArrayList<>(steps);
    }

    /** The states of a job. */
    public enum State {
        QUEUED,
        PLANNING,
        WORKING,
        VALIDATING,
        PUSHING,
        OPEN,
        WAITING,
        DONE,
        FAILED,
        CANCELLED;

        /** The states a job ends in: the issue may get a new job after one of these. */
        public static final Set<State> TERMINAL = Set.of(DONE, FAILED, CANCELLED);

        /** The states in which the runner works on the job (and resumes it after a restart). */
        public static final Set<State> RUNNING = Set.of(QUEUED, PLANNING, WORKING, VALIDATING, PUSHING);

        /** Whether the job has ended. */
        public boolean terminal() {
            return TERMINAL.contains(this);
        }

        /** Whether the runner works on the job (open and waiting jobs wait for people, not for the runner). */
        public boolean running() {
            return RUNNING.contains(this);
        }

        /** The lower-case name used in the API. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One step of the timeline.
     *
     * @param name the step ({@code acknowledge}, {@code plan}, {@code approve}, {@code fetch}, {@code index},
     *     {@code localize}, {@code edit}, {@code validate}, {@code push}, {@code pull-request}, {@code report}; on the
     *     open pull request {@code review-…} and {@code check-…} with {@code edit}, {@code validate}, {@code push})
     * @param startedAt when it started
     * @param endedAt when it ended
     * @param inputTokens model input tokens it used
     * @param outputTokens model output tokens it used
     * @param costUsd model cost it caused
     * @param model the model that answered, empty when none
     * @param local whether that model is local (the code never left the network), false when none
     * @param outcome {@code ok}, {@code failed}, {@code refused}, {@code cancelled}
     * @param detail a sentence for the timeline (never source text or a secret)
     */
    public record Step(
            String name,
            Instant startedAt,
            Instant endedAt,
            long inputTokens,
            long outputTokens,
            double costUsd,
            String model,
            boolean local,
            String outcome,
            String detail) {
        /** Whether the step completed (and is never run again). */
        public boolean ok() {
            return "ok".equals(outcome);
        }
    }

    /** Whether step {@code name} completed. */
    public boolean completed(String name) {
        return steps.stream().anyMatch(s -> s.name().equals(name) && s.ok());
    }

    /** Model input plus output tokens over all steps. */
    public long tokens() {
        return steps.stream().mapToLong(s -> s.inputTokens() + s.outputTokens()).sum();
    }

    /** Model cost over all steps, in US dollars. */
    public double costUsd() {
        return steps.stream().mapToDouble(Step::costUsd).sum();
    }

    Job withState(State next, Instant now) {
        return copy(next, steps, branch, commit, pullRequest, reportComment, error, now);
    }

    Job withStep(Step step) {
        List<Step> more = new ArrayList<>(steps);
        more.add(step);
        return copy(state, more, branch, commit, pullRequest, reportComment, error, step.endedAt());
    }

    Job withPush(String branch, String commit) {
        return copy(state, steps, branch, commit, pullRequest, reportComment, error, updatedAt);
    }

    Job withPullRequest(long number) {
        return copy(state, steps, branch, commit, number, reportComment, error, updatedAt);
    }

    Job withReport(long comment) {
        return copy(state, steps, branch, commit, pullRequest, comment, error, updatedAt);
    }

    Job withError(String message) {
        return copy(state, steps, branch, commit, pullRequest, reportComment, message, updatedAt);
    }

    /** This job with the fields that change over its life replaced; who asked for what never changes. */
    private Job copy(
            State state,
            List<Step> steps,
            String branch,
            String commit,
            long pullRequest,
            long reportComment,
            String error,
            Instant updatedAt) {
        return new Job(
                id,
                tenant,
                repoId,
                repo,
                installationId,
                issue,
                title,
                trigger,
                requester,
                triggerComment,
                state,
                steps,
                branch,
                commit,
                pullRequest,
                reportComment,
                error,
                createdAt,
                updatedAt);
    }
}
