package ai.magicode.appliance.github;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A parsed webhook event: what the agent and the installation mirror need from each event type the appliance
 * subscribes to, read tolerantly (missing or oddly typed fields become empty values, never failures).
 */
public sealed interface GitHubEvent {
    /** The event types the inbox accepts ({@code X-GitHub-Event}); others are acknowledged and ignored. */
    Set<String> TYPES = Set.of(
            "ping",
            "installation",
            "installation_repositories",
            "issues",
            "issue_comment",
            "pull_request",
            "pull_request_review",
            "pull_request_review_comment",
            "pull_request_review_thread",
            "push",
            "check_run",
            "check_suite");

    /** What every event carries. */
    Context context();

    /** The {@code X-GitHub-Event} name of this event. */
    String type();

    /**
     * The fields every event carries.
     *
     * @param action the {@code action} field, empty for events without one (ping, push)
     * @param repository the repository the event is about, if any
     * @param installationId the App installation the event was sent for, if any
     * @param sender the login of the user who caused the event, empty when absent
     */
    record Context(String action, Optional<Repository> repository, OptionalLong installationId, String sender) {}

    /**
     * A repository.
     *
     * @param id its numeric id, stable across renames
     * @param fullName {@code owner/name}
     */
    record Repository(long id, String fullName) {}

    /**
     * A user (an author or a reviewer).
     *
     * @param login the login, empty when absent
     */
    record User(String login) {}

    /**
     * An issue or pull request comment.
     *
     * @param id its id
     * @param author who wrote it
     * @param body its text
     */
    record Comment(long id, User author, String body) {}

    /**
     * A pull request's branch head or base.
     *
     * @param ref the branch name
     * @param sha the commit
     */
    record Ref(String ref, String sha) {}

    /** {@code ping}: the hook was created or tested. */
    record Ping(Context context, long hookId, String zen) implements GitHubEvent {
        @Override
        public String type() {
            return "ping";
        }
    }

    /** {@code installation}: the App was installed, removed, suspended, or its permissions changed. */
    record Installation(Context context, long id, String account, List<Repository> repositories, boolean suspended)
            implements GitHubEvent {
        @Override
        public String type() {
            return "installation";
        }
    }

    /** {@code installation_repositories}: repositories were added to or removed from an installation. */
    record InstallationRepositories(
            Context context, long id, String account, List<Repository> added, List<Repository> removed)
            implements GitHubEvent {
        @Override
        public String type() {
            return "installation_repositories";
        }
    }

    /**
     * {@code issues}: an issue was opened, edited, labelled, assigned, closed…
     *
     * @param assignee the user an {@code assigned} or {@code unassigned} action is about, empty for other actions
     */
    record Issues(
            Context context,
            long number,
            String title,
            String body,
            User author,
            List<String> labels,
            String state,
            Optional<User> assignee)
            implements GitHubEvent {
        @Override
        public String type() {
            return "issues";
        }
    }

    /** {@code issue_comment}: a comment on an issue or on a pull request's conversation. */
    record IssueComment(Context context, long number, boolean onPullRequest, Comment comment) implements GitHubEvent {
        @Override
        public String type() {
            return "issue_comment";
        }
    }

    /** {@code pull_request}: a pull request was opened, synchronized, marked ready, closed… */
    record PullRequest(
            Context context,
            long number,
            String title,
            String body,
            User author,
            Ref head,
            Ref base,
            boolean draft,
            boolean merged,
            List<String> labels,
            String state)
            implements GitHubEvent {
        @Override
        public String type() {
            return "pull_request";
        }
    }

    /** {@code pull_request_review}: a review was submitted, edited or dismissed. */
    record PullRequestReview(
            Context context, long number, Ref head, long reviewId, User reviewer, String state, String body)
            implements GitHubEvent {
        @Override
        public String type() {
            return "pull_request_review";
        }
    }

    /** {@code pull_request_review_comment}: a comment on a line of a pull request's diff. */
    record PullRequestReviewComment(
            Context context,
            long number,
            Ref head,
            Comment comment,
            String path,
            OptionalLong line,
            OptionalLong inReplyTo,
            OptionalLong reviewId)
            implements GitHubEvent {
        @Override
        public String type() {
            return "pull_request_review_comment";
        }
    }

    /** {@code pull_request_review_thread}: a review thread was resolved or unresolved. */
    record PullRequestReviewThread(Context context, long number, String threadNodeId, List<Comment> comments)
            implements GitHubEvent {
        @Override
        public String type() {
            return "pull_request_review_thread";
        }
    }

    /**
     * {@code push}: commits were pushed to a ref (or it was created or deleted).
     *
     * @param defaultBranch the repository's default branch (without {@code refs/heads/}), empty when the payload
     *     does not say
     */
    record Push(
            Context context,
            String ref,
            String defaultBranch,
            String before,
            String after,
            int commits,
            boolean created,
            boolean deleted,
            boolean forced)
            implements GitHubEvent {
        @Override
        public String type() {
            return "push";
        }

        /** Whether this push moved the repository's default branch to a new commit (not a deletion). */
        public boolean movesDefaultBranch() {
            return !deleted && !defaultBranch.isEmpty() && ref.equals("refs/heads/" + defaultBranch);
        }
    }

    /** {@code check_run}: a check run was created, completed or re-requested. */
    record CheckRun(
            Context context,
            long id,
            String name,
            String status,
            Optional<String> conclusion,
            String headSha,
            String headBranch,
            List<Long> pullRequests)
            implements GitHubEvent {
        @Override
        public String type() {
            return "check_run";
        }
    }

    /** {@code check_suite}: a check suite completed or was requested. */
    record CheckSuite(
            Context context,
            long id,
            String status,
            Optional<String> conclusion,
            String headSha,
            String headBranch,
            List<Long> pullRequests)
            implements GitHubEvent {
        @Override
        public String type() {
            return "check_suite";
        }
    }
}
