package ai.magicode.appliance.github;

import ai.magicode.appliance.github.GitHubEvent.Comment;
import ai.magicode.appliance.github.GitHubEvent.Context;
import ai.magicode.appliance.github.GitHubEvent.Ref;
import ai.magicode.appliance.github.GitHubEvent.Repository;
import ai.magicode.appliance.github.GitHubEvent.User;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads webhook payloads into {@link GitHubEvent}s. Tolerant by design: real payloads differ from the published
 * schemas (numbers sent as strings, timestamps as numbers or strings, fields missing on older GHES releases), so a
 * missing or oddly typed field becomes an empty value. Only a body that is not a JSON object is refused.
 */
public final class EventParser {
    /** The top-level fields {@link #envelope} reads. */
    private static final Set<String> ENVELOPE = Set.of("action", "repository", "installation", "sender");

    private final ObjectMapper json;
    /** Reads one value in the middle of a stream (the mapper's reader would insist on the end of input after it). */
    private final ObjectReader value;

    /** @param maxBodyBytes the largest body the inbox accepts; strings up to that length are read */
    public EventParser(long maxBodyBytes) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .maxNestingDepth(200)
                        .build())
                .build();
        this.json = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.value = json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Parses a delivery's body.
     *
     * @param type the {@code X-GitHub-Event} name, one of {@link GitHubEvent#TYPES}
     * @throws WebhookException when the body is not a JSON object, or the type is not one the inbox accepts
     */
    public GitHubEvent parse(String type, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (java.io.IOException e) {
            throw refusal(e);
        }
        if (root == null || !root.isObject()) {
            throw new WebhookException("The body is not a JSON object");
        }
        Context context = context(root);
        return switch (type) {
            case "ping" -> new GitHubEvent.Ping(context, number(root.path("hook_id")), text(root.path("zen")));
            case "installation" -> {
                JsonNode installation = root.path("installation");
                yield new GitHubEvent.Installation(
                        context,
                        number(installation.path("id")),
                        text(installation.path("account").path("login")),
                        repositories(root.path("repositories")),
                        !installation.path("suspended_at").isMissingNode()
                                && !installation.path("suspended_at").isNull());
            }
            case "installation_repositories" -> {
                JsonNode installation = root.path("installation");
                yield new GitHubEvent.InstallationRepositories(
                        context,
                        number(installation.path("id")),
                        text(installation.path("account").path("login")),
                        repositories(root.path("repositories_added")),
                        repositories(root.path("repositories_removed")));
            }
            case "issues" -> {
                JsonNode issue = root.path("issue");
                yield new GitHubEvent.Issues(
                        context,
                        number(issue.path("number")),
                        text(issue.path("title")),
                        text(issue.path("body")),
                        user(issue.path("user")),
                        labels(issue.path("labels")),
                        text(issue.path("state")),
                        root.path("assignee").isObject() ? Optional.of(user(root.path("assignee"))) : Optional.empty());
            }
            case "issue_comment" -> {
                JsonNode issue = root.path("issue");
                yield new GitHubEvent.IssueComment(
                        context,
                        number(issue.path("number")),
                        issue.path("pull_request").isObject(),
                        comment(root.path("comment")));
            }
            case "pull_request" -> {
                JsonNode pr = root.path("pull_request");
                yield new GitHubEvent.PullRequest(
                        context,
                        number(root.path("number")) != 0 ? number(root.path("number")) : number(pr.path("number")),
                        text(pr.path("title")),
                        text(pr.path("body")),
                        user(pr.path("user")),
                        ref(pr.path("head")),
                        ref(pr.path("base")),
                        pr.path("draft").asBoolean(false),
                        pr.path("merged").asBoolean(false),
                        labels(pr.path("labels")),
                        text(pr.path("state")));
            }
            case "pull_request_review" -> {
                JsonNode pr = root.path("pull_request");
                JsonNode review = root.path("review");
                yield new GitHubEvent.PullRequestReview(
                        context,
                        number(pr.path("number")),
                        ref(pr.path("head")),
                        number(review.path("id")),
                        user(review.path("user")),
                        text(review.path("state")),
                        text(review.path("body")));
            }
            case "pull_request_review_comment" -> {
                JsonNode pr = root.path("pull_request");
                JsonNode comment = root.path("comment");
                yield new GitHubEvent.PullRequestReviewComment(
                        context,
                        number(pr.path("number")),
                        ref(pr.path("head")),
                        comment(comment),
                        text(comment.path("path")),
                        optionalNumber(comment.path("line")),
                        optionalNumber(comment.path("in_reply_to_id")),
                        optionalNumber(comment.path("pull_request_review_id")));
            }
            case "pull_request_review_thread" -> {
                JsonNode thread = root.path("thread");
                List<Comment> comments = new ArrayList<>();
                for (JsonNode comment : thread.path("comments")) {
                    comments.add(comment(comment));
                }
                yield new GitHubEvent.PullRequestReviewThread(
                        context,
                        number(root.path("pull_request").path("number")),
                        text(thread.path("node_id")),
                        List.copyOf(comments));
            }
            case "push" ->
                new GitHubEvent.Push(
                        context,
                        text(root.path("ref")),
                        text(root.path("repository").path("default_branch")),
                        text(root.path("before")),
                        text(root.path("after")),
                        root.path("commits").isArray() ? root.path("commits").size() : 0,
                        root.path("created").asBoolean(false),
                        root.path("deleted").asBoolean(false),
                        root.path("forced").asBoolean(false));
            case "check_run" -> {
                JsonNode run = root.path("check_run");
                yield new GitHubEvent.CheckRun(
                        context,
                        number(run.path("id")),
                        text(run.path("name")),
                        text(run.path("status")),
                        optionalText(run.path("conclusion")),
                        text(run.path("head_sha")),
                        text(run.path("check_suite").path("head_branch")),
                        pullRequestNumbers(run.path("pull_requests")));
            }
            case "check_suite" -> {
                JsonNode suite = root.path("check_suite");
                yield new GitHubEvent.CheckSuite(
                        context,
                        number(suite.path("id")),
                        text(suite.path("status")),
                        optionalText(suite.path("conclusion")),
                        text(suite.path("head_sha")),
                        text(suite.path("head_branch")),
                        pullRequestNumbers(suite.path("pull_requests")));
            }
            default -> throw new WebhookException("The event type is not one the inbox accepts");
        };
    }

    /**
     * Reads only what the inbox needs before it acknowledges a delivery: the context (action, repository,
     * installation, sender), equal to {@link #parse}'s, and whether the body is a JSON object at all. It streams over
     * the body, building values only for those four top-level fields, so a large payload's issue text, commits or
     * diffs are tokenised (that is the syntax check) but never turned into objects.
     *
     * @throws WebhookException exactly when {@link #parse} would refuse the body
     */
    Context envelope(byte[] body) {
        ObjectNode fields = json.createObjectNode();
        try (JsonParser in = json.createParser(body)) {
            if (in.nextToken() != JsonToken.START_OBJECT) {
                throw new WebhookException("The body is not a JSON object");
            }
            for (JsonToken token = in.nextToken(); token == JsonToken.FIELD_NAME; token = in.nextToken()) {
                String name = in.currentName();
                in.nextToken();
                if (ENVELOPE.contains(name)) {
                    // Last one wins, as in the tree parse() reads.
                    fields.set(name, value.readTree(in));
                } else {
                    in.skipChildren();
                }
            }
            if (in.nextToken() != null) {
                throw new WebhookException("The body is not valid JSON");
            }
        } catch (java.io.IOException e) {
            throw refusal(e);
        }
        return context(fields);
    }

    /** Why a body that could not be read as JSON is refused, alike in parse() and envelope(). */
    static WebhookException refusal(java.io.IOException e) {
        return new WebhookException(
                e instanceof JacksonException ? "The body is not valid JSON" : "The body could not be read as JSON");
    }

    private static Context context(JsonNode root) {
        JsonNode repository = root.path("repository");
        Optional<Repository> repo = repository.isObject() ? Optional.of(repository(repository)) : Optional.empty();
        return new Context(
                text(root.path("action")),
                repo,
                optionalNumber(root.path("installation").path("id")),
                text(root.path("sender").path("login")));
    }

    private static Repository repository(JsonNode node) {
        return new Repository(number(node.path("id")), text(node.path("full_name")));
    }

    private static List<Repository> repositories(JsonNode array) {
        List<Repository> repositories = new ArrayList<>();
        for (JsonNode node : array) {
            if (node.isObject()) {
                repositories.add(repository(node));
            }
        }
        return List.copyOf(repositories);
    }

    private static User user(JsonNode node) {
        return new User(text(node.path("login")));
    }

    private static Comment comment(JsonNode node) {
        return new Comment(number(node.path("id")), user(node.path("user")), text(node.path("body")));
    }

    private static Ref ref(JsonNode node) {
        return new Ref(text(node.path("ref")), text(node.path("sha")));
    }

    private static List<String> labels(JsonNode array) {
        List<String> labels = new ArrayList<>();
        for (JsonNode label : array) {
            String name = label.isTextual() ? label.asText() : text(label.path("name"));
            if (!name.isEmpty()) {
                labels.add(name);
            }
        }
        return List.copyOf(labels);
    }

    private static List<Long> pullRequestNumbers(JsonNode array) {
        List<Long> numbers = new ArrayList<>();
        for (JsonNode pr : array) {
            optionalNumber(pr.path("number")).ifPresent(numbers::add);
        }
        return List.copyOf(numbers);
    }

    /** Text of a string, number or boolean node; empty for anything else. */
    private static String text(JsonNode node) {
        return node.isValueNode() && !node.isNull() ? node.asText() : "";
    }

    private static Optional<String> optionalText(JsonNode node) {
        String text = text(node);
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** A number given as a JSON number or as a string of digits; 0 when absent or not a whole number. */
    private static long number(JsonNode node) {
        return optionalNumber(node).orElse(0);
    }

    private static OptionalLong optionalNumber(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return OptionalLong.of(node.asLong());
        }
        if (node.isTextual()) {
            try {
                return OptionalLong.of(Long.parseLong(node.asText().trim()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
