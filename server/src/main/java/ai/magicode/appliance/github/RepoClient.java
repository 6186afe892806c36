package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.git.Snapshot;
import ai.magicode.appliance.git.SourceFile;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the agent does on one repository, with an installation token narrowed to it: issues and comments,
 * reactions, pull requests, review comments and threads, check runs and logs, branches, rules and contents. Every
 * write is audited (action {@code github.…}, target {@code owner/repo…}).
 */
public final class RepoClient {
    /** Reactions GitHub accepts. */
    public static final Set<String> REACTIONS =
            Set.of("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes");

    /**
     * An issue (or the issue side of a pull request).
     *
     * @param number its number
     * @param title title
     * @param body body text, empty when none
     * @param state {@code open} or {@code closed}
     * @param author the opener's login
     * @param labels label names
     * @param isPullRequest whether it is a pull request
     */
    public record Issue(
            long number,
            String title,
            String body,
            String state,
            String author,
            List<String> labels,
            boolean isPullRequest) {}

    /**
     * A comment on an issue or pull request conversation.
     *
     * @param id comment id
     * @param body text
     * @param author login
     */
    public record Comment(long id, String body, String author) {}

    /**
     * A pull request.
     *
     * @param number number
     * @param nodeId GraphQL id (for draft/ready)
     * @param state {@code open} or {@code closed}
     * @param draft whether it is a draft
     * @param title title
     * @param head head branch
     * @param headSha head commit
     * @param base base branch
     * @param url its web page
     */
    public record PullRequest(
            long number,
            String nodeId,
            String state,
            boolean draft,
            String title,
            String head,
            String headSha,
            String base,
            String url) {}

    /**
     * A review comment on a pull request's diff.
     *
     * @param id comment id
     * @param body text
     * @param path file
     * @param line line in the diff's new side, 0 when outdated
     * @param inReplyTo the thread's first comment, 0 for a first comment
     * @param author login
     */
    public record ReviewComment(long id, String body, String path, int line, long inReplyTo, String author) {}

    /**
     * A review thread (GraphQL).
     *
     * @param id GraphQL id
     * @param resolved whether it is resolved
     * @param firstCommentId the REST id of its first comment
     */
    public record ReviewThread(String id, boolean resolved, long firstCommentId) {}

    /**
     * A check run on a commit.
     *
     * @param id id (for GitHub Actions also the job id whose log {@link #jobLog} reads)
     * @param name name
     * @param status {@code queued}, {@code in_progress}, {@code completed}, …
     * @param conclusion {@code success}, {@code failure}, …; empty while running
     * @param headSha the commit
     */
    public record CheckRun(long id, String name, String status, String conclusion, String headSha) {}

    /**
     * A branch.
     *
     * @param name name
     * @param sha its head commit
     * @param isProtected GitHub's {@code protected} flag
     */
    public record Branch(String name, String sha, boolean isProtected) {}

    /**
     * A file's content at a ref.
     *
     * @param path path
     * @param sha blob id
     * @param content bytes
     */
    public record ContentFile(String path, String sha, byte[] content) {}

    private final RestClient rest;
    private final InstallationTokens tokens;
    private final CollaboratorPermissions collaboratorPermissions;
    private final String tenant;
    private final long installationId;
    private final RepoName repo;
    private final Map<String, String> permissions;

    RepoClient(
            RestClient rest,
            InstallationTokens tokens,
            CollaboratorPermissions collaboratorPermissions,
            String tenant,
            long installationId,
            RepoName repo,
            Map<String, String> permissions) {
        this.rest = rest;
        this.tokens = tokens;
        this.collaboratorPermissions = collaboratorPermissions;
        this.tenant = tenant;
        this.installationId = installationId;
        this.repo = repo;
        this.permissions = Map.copyOf(permissions);
    }

    /** The repository. */
    public RepoName repo() {
        return repo;
    }

    /** The installation whose token the calls use. */
    public long installationId() {
        return installationId;
    }

    /** The (cached) token of this client's scope: for Git over HTTPS as {@code x-access-token}. */
    public InstallationTokens.Token token() {
        return tokens.token(installationId, repo.name(), permissions);
    }

    /** The Git URL of the repository: {@code https://HOST/owner/repo.git}. */
    public URI gitUrl() {
        return URI.create(rest.config().webUrl() + "/" + repo + ".git");
    }

    // Collaborators

    /**
     * A user's permission on the repository: {@code admin}, {@code write} (also for GitHub's {@code maintain} role),
     * {@code read} (also for {@code triage}) or {@code none} for anyone who is not a collaborator (GitHub's 404).
     * Answers are cached for a minute per installation, repository and login, in memory only.
     */
    public String permission(String login) {
        if (login == null || login.isBlank()) {
            return "none";
        }
        return collaboratorPermissions.get(installationId, repo, login, () -> {
            try {
                return get("/collaborators/" + encode(login) + "/permission")
                        .json()
                        .path("permission")
                        .asText("none");
            } catch (GitHubException e) {
                if (e.status().orElse(0) == 404) {
                    return "none";
                }
                throw e;
            }
        });
    }

    // Issues and comments

    public Issue issue(long number) {
        return issue(get("/issues/" + number).json());
    }

    public List<Comment> comments(long issue) {
        return list("/issues/" + issue + "/comments?per_page=100", null).stream()
                .map(RepoClient::comment)
                .toList();
    }

    public Comment comment(long issue, String body) {
        return comment(write(
                        "POST",
                        "/issues/" + issue + "/comments",
                        Map.of("body", body),
                        "github.issue.comment",
                        "#" + issue)
                .json());
    }

    /**
     * The login of the GitHub user whose e-mail is {@code email}, where the server shows it ({@code GET /search/users}
     * with {@code in:email}); empty when no single user matches. The e-mail is passed through, never logged or stored.
     */
    public java.util.Optional<String> loginForEmail(String email) {
        String query = java.net.URLEncoder.encode(email + " in:email", java.nio.charset.StandardCharsets.UTF_8);
        JsonNode found = rest.send(new RestClient.Call(
                        "GET", rest.api("/search/users?q=" + query), authorization(), scope(), null, null))
                .json();
        JsonNode items = found.path("items");
        return items.size() == 1
                ? java.util.Optional.of(items.get(0).path("login").asText()).filter(l -> !l.isBlank())
                : java.util.Optional.empty();
    }

    /** Reacts to an issue or pull request. */
    public void reactToIssue(long issue, String content) {
        write(
                "POST",
                "/issues/" + issue + "/reactions",
                Map.of("content", reaction(content)),
                "github.reaction.create",
                "#" + issue);
    }

    /** Reacts to an issue comment. */
    public void reactToComment(long commentId, String content) {
        write(
                "POST",
                "/issues/comments/" + commentId + "/reactions",
                Map.of("content", reaction(content)),
                "github.reaction.create",
                "comment:" + commentId);
    }

    // Pull requests

    public PullRequest createPullRequest(String head, String base, String title, String body, boolean draft) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("title", title);
        request.put("head", head);
        request.put("base", base);
        request.put("body", body);
        request.put("draft", draft);
        return pullRequest(
                write("POST", "/pulls", request, "github.pr.create", head).json());
    }

    /** Changes a pull request's title, body or state ({@code open}/{@code closed}); empty values are left as they are. */
    public PullRequest updatePullRequest(
            long number, Optional<String> title, Optional<String> body, Optional<String> state) {
        Map<String, Object> request = new LinkedHashMap<>();
        title.ifPresent(t -> request.put("title", t));
        body.ifPresent(b -> request.put("body", b));
        state.ifPresent(s -> request.put("state", s));
        return pullRequest(write("PATCH", "/pulls/" + number, request, "github.pr.update", "#" + number)
                .json());
    }

    public PullRequest pullRequest(long number) {
        return pullRequest(get("/pulls/" + number).json());
    }

    /** Open pull requests whose head is {@code branch} of this repository. */
    public List<PullRequest> pullRequestsForHead(String branch) {
        return list("/pulls?state=open&per_page=100&head=" + encode(repo.owner() + ":" + branch), null).stream()
                .map(RepoClient::pullRequest)
                .toList();
    }

    /** Marks a pull request ready for review, or converts it to a draft (GraphQL: REST cannot). */
    public void setDraft(PullRequest pr, boolean draft) {
        String mutation = draft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview";
        graphql(
                "mutation($id: ID!) { " + mutation + "(input: {pullRequestId: $id}) { pullRequest { isDraft } } }",
                Map.of("id", pr.nodeId()),
                draft ? "github.pr.draft" : "github.pr.ready",
                "#" + pr.number());
    }

    // Reviews

    public List<ReviewComment> reviewComments(long pullNumber) {
        return list("/pulls/" + pullNumber + "/comments?per_page=100", null).stream()
                .map(RepoClient::reviewComment)
                .toList();
    }

    /** Replies in the thread of a (first) review comment. */
    public ReviewComment replyToReviewComment(long pullNumber, long commentId, String body) {
        return reviewComment(write(
                        "POST",
                        "/pulls/" + pullNumber + "/comments/" + commentId + "/replies",
                        Map.of("body", body),
                        "github.review-comment.reply",
                        "#" + pullNumber)
                .json());
    }

    /** The review threads of a pull request (first 100), with their resolution state. */
    public List<ReviewThread> reviewThreads(long pullNumber) {
        JsonNode data = graphql(
                "query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) {"
                        + " pullRequest(number: $number) { reviewThreads(first: 100) { nodes { id isResolved"
                        + " comments(first: 1) { nodes { databaseId } } } } } } }",
                Map.of("owner", repo.owner(), "name", repo.name(), "number", pullNumber),
                null,
                null);
        List<ReviewThread> threads = new ArrayList<>();
        for (JsonNode node : data.path("repository")
                .path("pullRequest")
                .path("reviewThreads")
                .path("nodes")) {
            threads.add(new ReviewThread(
                    node.path("id").asText(),
                    node.path("isResolved").asBoolean(),
                    node.path("comments")
                            .path("nodes")
                            .path(0)
                            .path("databaseId")
                            .asLong()));
        }
        return threads;
    }

    public void resolveReviewThread(String threadId) {
        graphql(
                "mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { isResolved } } }",
                Map.of("id", threadId),
                "github.review-thread.resolve",
                threadId);
    }

    // Checks

    public List<CheckRun> checkRuns(String ref) {
        return list("/commits/" + encode(ref) + "/check-runs?per_page=100", "check_runs").stream()
                .map(json -> new CheckRun(
                        json.path("id").asLong(),
                        json.path("name").asText(""),
                        json.path("status").asText(""),
                        json.path("conclusion").asText(""),
                        json.path("head_sha").asText("")))
                .toList();
    }

    /** The plain-text log of a GitHub Actions job (a check run's id is its job's id): follows GitHub's redirect. */
    public String jobLog(long jobId) {
        RestClient.Answer answer = get("/actions/jobs/" + jobId + "/logs");
        String location = answer.header("location")
                .orElseThrow(() -> new GitHubException("GitHub answered the log request without a location"));
        // The redirect target is a pre-signed download URL: no Authorization header goes there.
        return rest.download(URI.create(location));
    }

    // Branches, rules, contents

    /** The branch, or empty when it does not exist. */
    public Optional<Branch> branch(String name) {
        try {
            JsonNode json = get("/branches/" + encodePath(name)).json();
            return Optional.of(new Branch(
                    json.path("name").asText(name),
                    json.path("commit").path("sha").asText(""),
                    json.path("protected").asBoolean()));
        } catch (GitHubException e) {
            if (e.status().orElse(0) == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The types of the ruleset rules that apply to a branch (empty: no ruleset matches it). */
    public List<String> branchRules(String name) {
        return list("/rules/branches/" + encodePath(name) + "?per_page=100", null).stream()
                .map(rule -> rule.path("type").asText("?"))
                .toList();
    }

    /** A file at {@code ref}, or empty when it does not exist (or is a directory). */
    public Optional<ContentFile> file(String path, String ref) {
        try {
            JsonNode json =
                    get("/contents/" + encodePath(path) + "?ref=" + encode(ref)).json();
            if (!"file".equals(json.path("type").asText())) {
                return Optional.empty();
            }
            byte[] content = Base64.getMimeDecoder().decode(json.path("content").asText(""));
            return Optional.of(new ContentFile(
                    json.path("path").asText(path), json.path("sha").asText(""), content));
        } catch (GitHubException e) {
            if (e.status().orElse(0) == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // Git data (reading a commit without cloning it)

    /**
     * The files of a commit's tree in one recursive listing, as a {@link Snapshot} like a fetched repository's:
     * submodules and symlinks skipped and counted, files over {@code maxBytes} skipped and counted. Empty when GitHub
     * truncated the listing (a very large tree): the caller fetches the repository instead.
     */
    public Optional<Snapshot> tree(String commit, long maxBytes) {
        JsonNode json = get("/git/trees/" + encode(commit) + "?recursive=1").json();
        if (json.path("truncated").asBoolean(false)) {
            return Optional.empty();
        }
        List<SourceFile> files = new ArrayList<>();
        Map<Snapshot.Skip, Integer> skipped = new java.util.EnumMap<>(Snapshot.Skip.class);
        for (JsonNode entry : json.path("tree")) {
            String mode = entry.path("mode").asText("");
            String type = entry.path("type").asText("");
            if (type.equals("commit") || mode.equals("160000")) {
                skipped.merge(Snapshot.Skip.SUBMODULE, 1, Integer::sum);
            } else if (mode.equals("120000")) {
                skipped.merge(Snapshot.Skip.SYMLINK, 1, Integer::sum);
            } else if (type.equals("blob")) {
                long size = entry.path("size").asLong(0);
                if (size > maxBytes) {
                    skipped.merge(Snapshot.Skip.TOO_LARGE, 1, Integer::sum);
                } else {
                    files.add(new SourceFile(
                            entry.path("path").asText(), entry.path("sha").asText(), size));
                }
            }
        }
        return Optional.of(new Snapshot(commit, List.copyOf(files), Map.copyOf(skipped)));
    }

    /** A blob's bytes, by its id. */
    public byte[] blob(String sha) {
        JsonNode json = get("/git/blobs/" + encode(sha)).json();
        String content = json.path("content").asText("");
        if (!"base64".equals(json.path("encoding").asText("base64"))) {
            return content.getBytes(StandardCharsets.UTF_8);
        }
        return Base64.getMimeDecoder().decode(content);
    }

    // Plumbing

    private String authorization() {
        return "token " + token().value();
    }

    private String scope() {
        return "installation:" + installationId;
    }

    private URI url(String path) {
        return rest.api("/repos/" + repo + path);
    }

    private RestClient.Answer get(String path) {
        return rest.send(new RestClient.Call("GET", url(path), authorization(), scope(), null, null));
    }

    private List<JsonNode> list(String path, String field) {
        return rest.list(new RestClient.Call("GET", url(path), authorization(), scope(), null, null), field);
    }

    private RestClient.Answer write(String method, String path, Object body, String action, String target) {
        return rest.send(new RestClient.Call(method, url(path), authorization(), scope(), body, audit(action, target)));
    }

    private JsonNode graphql(String query, Map<String, Object> variables, String action, String target) {
        RestClient.Answer answer = rest.send(new RestClient.Call(
                "POST",
                rest.config().graphqlUrl(),
                authorization(),
                scope(),
                Map.of("query", query, "variables", variables),
                action == null ? null : audit(action, target)));
        JsonNode errors = answer.json().path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            throw new GitHubException(
                    "GitHub GraphQL error: " + errors.path(0).path("message").asText("?"));
        }
        return answer.json().path("data");
    }

    private AuditEvent.Builder audit(String action, String target) {
        return AuditEvent.of(action, repo + target).tenant(tenant).field("installation", installationId);
    }

    private static String reaction(String content) {
        if (!REACTIONS.contains(content)) {
            throw new GitHubException("Not a GitHub reaction: " + content + "; one of " + REACTIONS);
        }
        return content;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Encodes a branch name or file path as one path segment: slashes too ({@code %2F}), which GitHub decodes, so the
     * request matches its API description's single-segment {@code {branch}} and {@code {path}} parameters.
     */
    private static String encodePath(String path) {
        return encode(path);
    }

    static Issue issue(JsonNode json) {
        List<String> labels = new ArrayList<>();
        json.path("labels")
                .forEach(label -> labels.add(
                        label.isTextual() ? label.asText() : label.path("name").asText()));
        return new Issue(
                json.path("number").asLong(),
                json.path("title").asText(""),
                json.path("body").asText(""),
                json.path("state").asText(""),
                json.path("user").path("login").asText(""),
                List.copyOf(labels),
                json.has("pull_request"));
    }

    static Comment comment(JsonNode json) {
        return new Comment(
                json.path("id").asLong(),
                json.path("body").asText(""),
                json.path("user").path("login").asText(""));
    }

    static PullRequest pullRequest(JsonNode json) {
        return new PullRequest(
                json.path("number").asLong(),
                json.path("node_id").asText(""),
                json.path("state").asText(""),
                json.path("draft").asBoolean(),
                json.path("title").asText(""),
                json.path("head").path("ref").asText(""),
                json.path("head").path("sha").asText(""),
                json.path("base").path("ref").asText(""),
                json.path("html_url").asText(""));
    }

    static ReviewComment reviewComment(JsonNode json) {
        return new ReviewComment(
                json.path("id").asLong(),
                json.path("body").asText(""),
                json.path("path").asText(""),
                json.path("line").asInt(0),
                json.path("in_reply_to_id").asLong(0),
                json.path("user").path("login").asText(""));
    }
}
