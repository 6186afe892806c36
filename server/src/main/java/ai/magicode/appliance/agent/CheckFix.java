package ai.magicode.appliance.agent;

import java.time.Instant;

/**
 * A failed check run (or check suite) on the head of one of the agent's pull requests, taken as a task to fix it.
 * Stored durably (section {@code agent.check-fixes}) under the run's id, which makes a redelivered webhook a no-op;
 * the fixes recorded {@code pushed} for a job are its tries, capped by {@code agent.max-check-fixes}.
 *
 * @param key {@code tenant:repoId:run:<check run id>} or {@code tenant:repoId:suite:<check suite id>}
 * @param jobId the job whose branch the pull request has as head
 * @param pullRequest the pull request number
 * @param checkRunId the failed check run, 0 when a check suite failed (its failed runs are looked up)
 * @param checkName the check run's name, empty for a suite
 * @param headSha the commit the check failed on (a fix builds only on that head)
 * @param state {@code queued}; {@code pushed} (a fix commit was pushed); {@code base-failing} (the same check fails
 *     on the base branch, so nothing was tried); {@code gave-up} (no tries left); {@code declined} (tried, nothing
 *     pushed, said why); {@code skipped} (stale head, not failed, or the job is not open)
 * @param commit the commit pushed for it, empty when none
 * @param createdAt when it was taken
 */
public record CheckFix(
        String key,
        String jobId,
        long pullRequest,
        long checkRunId,
        String checkName,
        String headSha,
        String state,
        String commit,
        Instant createdAt) {

    CheckFix finished(String next, String pushed) {
        return new CheckFix(key, jobId, pullRequest, checkRunId, checkName, headSha, next, pushed, createdAt);
    }
}
