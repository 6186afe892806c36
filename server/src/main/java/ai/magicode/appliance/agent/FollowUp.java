package ai.magicode.appliance.agent;

import java.time.Instant;

/**
 * A review comment on one of the agent's pull requests, taken as a follow-up task for the job that opened it. Stored
 * durably (section {@code agent.follow-ups}) under the comment's id, which is what makes a redelivered webhook a no-op.
 *
 * @param key {@code tenant:repoId:commentId}
 * @param jobId the job whose branch the pull request has as head
 * @param pullRequest the pull request number
 * @param commentId the review comment
 * @param threadComment the first comment of its thread (replies and resolution go there)
 * @param path the file the comment is on
 * @param line the line of the diff's new side, 0 when none
 * @param body what the reviewer asked (user text, never source or a secret of ours)
 * @param author the reviewer's login
 * @param state {@code queued}, {@code done} (a commit was pushed), {@code declined} (answered why not)
 * @param commit the commit pushed for it, empty when none
 * @param createdAt when it was taken
 */
public record FollowUp(
        String key,
        String jobId,
        long pullRequest,
        long commentId,
        long threadComment,
        String path,
        long line,
        String body,
        String author,
        String state,
        String commit,
        Instant createdAt) {

    FollowUp finished(String next, String pushed) {
        return new FollowUp(
                key, jobId, pullRequest, commentId, threadComment, path, line, body, author, next, pushed, createdAt);
    }
}
