package ai.magicode.appliance.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;

/**
 * A GitHub Enterprise Server stand-in for tests: a real HTTP server with the REST endpoints the appliance uses under
 * {@code /api/v3}, GraphQL at {@code /api/graphql}, and Git smart HTTP over real repositories (JGit's {@code
 * UploadPack}/{@code ReceivePack}, authenticated as {@code x-access-token:<installation token>}). It checks App JWTs
 * with the App's public key, issues opaque installation tokens of varying length, keeps issues, comments, reactions,
 * pull requests, review threads, branches with protection and rulesets, check runs and hook deliveries, answers
 * rate-limit headers and scripted 403/429 limits, and validates every REST request and response against GitHub's
 * GHES 3.19 OpenAPI description ({@link #violations()} must stay empty).
 *
 * <pre>{@code
 * GhesSimulator ghes = GhesSimulator.start().withApp(42, publicKey).withRepo("acme/shop", bareDir);
 * }</pre>
 */
public final class GhesSimulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern REPO_PATH = Pattern.compile("/repos/([^/]+)/([^/]+)(/.*)?");
    private static final Pattern GIT_PATH =
            Pattern.compile("/([^/]+)/([^/]+?)\\.git/(info/refs|git-upload-pack|git-receive-pack)");

    /** A request as received, for assertions. */
    public record Recorded(String method, String path, String query, Map<String, String> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** An issued installation token. */
    record IssuedToken(
            long installationId, Set<String> repositories, Map<String, String> permissions, Instant expiresAt) {}

    /** A scripted failure answered instead of the next API request. */
    private record Fault(int status, Map<String, String> headers, String message) {}

    /** One repository's state. */
    public final class Repo {
        final String owner;
        final String name;
        final long id;
        final Path gitDir;
        final long installationId;
        final Set<String> protectedBranches = ConcurrentHashMap.newKeySet();
        final List<String> rulesets = new CopyOnWriteArrayList<>();
        final Map<Long, ObjectNode> issues = new ConcurrentHashMap<>();
        final Map<Long, List<ObjectNode>> comments = new ConcurrentHashMap<>();

        /** The repository's GitHub id. */
        public long id() {
            return id;
        }

        final Map<Long, ObjectNode> pulls = new ConcurrentHashMap<>();
        final Map<Long, List<ObjectNode>> reviewComments = new ConcurrentHashMap<>();
        final Map<String, Boolean> threads = new ConcurrentHashMap<>();
        final Map<String, Long> threadFirstComment = new ConcurrentHashMap<>();
        final Map<String, List<ObjectNode>> checkRuns = new ConcurrentHashMap<>();
        final List<String> reactions = new CopyOnWriteArrayList<>();
        final List<String> pushes = new CopyOnWriteArrayList<>();
        final Map<String, String> collaborators = new ConcurrentHashMap<>();

        Repo(String owner, String name, Path gitDir, long installationId) {
            this.owner = owner;
            this.name = name;
            this.id = ids.incrementAndGet();
            this.gitDir = gitDir;
            this.installationId = installationId;
        }

        String fullName() {
            return owner + "/" + name;
        }

        /**
         * Gives a user a permission on the repository ({@code admin}, {@code maintain}, {@code write}, {@code triage},
         * {@code read}); the owner account is {@code admin} unless set, anyone else unknown (404).
         */
        public Repo collaborator(String login, String permission) {
            collaborators.put(login.toLowerCase(java.util.Locale.ROOT), permission);
            return this;
        }

        /** Marks a branch protected (its {@code protected} flag; pushes to it are declined). */
        public Repo protect(String branch) {
            protectedBranches.add(branch);
            return this;
        }

        /** Adds a branch ruleset matching {@code pattern} (a glob such as {@code release/*}). */
        public Repo ruleset(String pattern) {
            rulesets.add(pattern);
            return this;
        }

        /** Opens an issue as {@code octocat} (delivering {@code issues.opened}); returns its number. */
        public long issue(String title, String body) {
            long number = numbers.incrementAndGet();
            issues.put(number, contract.shape("issue", issueFields(number, title, body)));
            deliverAbout(this, "issues", "opened", "octocat", Map.of("issue", issues.get(number)));
            return number;
        }

        /** Adds a label to an issue, as {@code sender} would in the UI (delivering {@code issues.labeled}). */
        public Repo label(long issue, String label, String sender) {
            ObjectNode node = found(issues.get(issue));
            ObjectNode labelNode = JSON.valueToTree(Map.of(
                    "id",
                    Math.abs(label.hashCode()),
                    "node_id",
                    "LA_" + Math.abs(label.hashCode()),
                    "url",
                    api() + "/repos/" + fullName() + "/labels/" + label,
                    "name",
                    label,
                    "color",
                    "ededed",
                    "default",
                    false,
                    "description",
                    ""));
            ((ArrayNode) node.withArray("labels")).add(labelNode);
            deliverAbout(this, "issues", "labeled", sender, Map.of("issue", node, "label", labelNode));
            return this;
        }

        /** Assigns an issue to {@code assignee}, as {@code sender} (delivering {@code issues.assigned}). */
        public Repo assign(long issue, String assignee, String sender) {
            ObjectNode node = found(issues.get(issue));
            ObjectNode user = user(assignee);
            node.set("assignee", user);
            ((ArrayNode) node.withArray("assignees")).add(user);
            deliverAbout(this, "issues", "assigned", sender, Map.of("issue", node, "assignee", user));
            return this;
        }

        /** Comments on an issue as {@code author} (delivering {@code issue_comment.created}); returns its id. */
        public long comment(long issue, String body, String author) {
            return addComment(issue, body, author).path("id").asLong();
        }

        private ObjectNode addComment(long issue, String body, String author) {
            ObjectNode comment = contract.shape(
                    "issue-comment",
                    Map.of(
                            "id",
                            ids.incrementAndGet(),
                            "body",
                            body,
                            "user",
                            user(author),
                            "issue_url",
                            api() + "/repos/" + fullName() + "/issues/" + issue));
            comments.computeIfAbsent(issue, k -> new CopyOnWriteArrayList<>()).add(comment);
            // A pull request's conversation comment is an issue comment whose issue names the pull request.
            ObjectNode subject = issues.containsKey(issue)
                    ? issues.get(issue)
                    : found(pulls.get(issue)).deepCopy();
            if (!issues.containsKey(issue)) {
                subject.putObject("pull_request").put("url", api() + "/repos/" + fullName() + "/pulls/" + issue);
            }
            deliverAbout(this, "issue_comment", "created", author, Map.of("issue", subject, "comment", comment));
            return comment;
        }

        /** Merges an open pull request (delivering {@code pull_request.closed} with {@code merged: true}). */
        public Repo merge(long pull) {
            ObjectNode pr = found(pulls.get(pull));
            pr.put("state", "closed");
            pr.put("merged", true);
            deliverAbout(this, "pull_request", "closed", "octocat", Map.of("number", pull, "pull_request", pr));
            return this;
        }

        /**
         * Adds a review comment to a pull request (a new thread) as {@code reviewer} (delivering {@code
         * pull_request_review_comment.created}); returns its id.
         */
        public long reviewComment(long pull, String path, int line, String body) {
            long id = ids.incrementAndGet();
            ObjectNode comment = reviewCommentShape(pull, id, path, line, body, 0);
            reviewComments
                    .computeIfAbsent(pull, k -> new CopyOnWriteArrayList<>())
                    .add(comment);
            String thread = "PRRT_" + id;
            threads.put(thread, false);
            threadFirstComment.put(thread, id);
            deliverReviewComment(this, pull, comment, "reviewer");
            return id;
        }

        /** Adds a completed check run on a commit, whose Actions job log is {@code log}. */
        public long checkRun(String sha, String name, String conclusion, String log) {
            long id = checkRun(sha, name, conclusion);
            logs.put(id, log);
            return id;
        }

        /** Adds a completed check run on a commit (delivering {@code check_run.completed}). */
        public long checkRun(String sha, String name, String conclusion) {
            long id = ids.incrementAndGet();
            checkRuns
                    .computeIfAbsent(sha, k -> new CopyOnWriteArrayList<>())
                    .add(contract.shape(
                            "check-run",
                            Map.of(
                                    "id",
                                    id,
                                    "name",
                                    name,
                                    "head_sha",
                                    sha,
                                    "status",
                                    "completed",
                                    "conclusion",
                                    conclusion)));
            logs.put(id, "##[group]Run tests\n" + name + " " + conclusion + "\n");
            deliverCheckRun(this, id, sha, name, conclusion);
            return id;
        }

        /** The review comments of a pull request (replies included), as stored. */
        public List<ObjectNode> reviewComments(long pull) {
            return List.copyOf(reviewComments.getOrDefault(pull, List.of()));
        }

        /** Whether a review thread is resolved. */
        public boolean resolved(String thread) {
            return threads.getOrDefault(thread, false);
        }

        /** Refs pushed, as {@code branch=sha}, in order. */
        public List<String> pushes() {
            return List.copyOf(pushes);
        }

        /** The comments of an issue, as stored. */
        public List<ObjectNode> comments(long issue) {
            return List.copyOf(comments.getOrDefault(issue, List.of()));
        }

        public Map<Long, ObjectNode> pulls() {
            return Map.copyOf(pulls);
        }

        public List<String> reactions() {
            return List.copyOf(reactions);
        }

        private Map<String, Object> issueFields(long number, String title, String body) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", ids.incrementAndGet());
            fields.put("number", number);
            fields.put("title", title);
            fields.put("body", body);
            fields.put("state", "open");
            fields.put("user", user("octocat"));
            fields.put("labels", List.of());
            fields.put("url", api() + "/repos/" + fullName() + "/issues/" + number);
            fields.put("html_url", web() + "/" + fullName() + "/issues/" + number);
            return fields;
        }

        private ObjectNode reviewCommentShape(long pull, long id, String path, int line, String body, long inReplyTo) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", id);
            fields.put("body", body);
            fields.put("path", path);
            fields.put("line", line);
            fields.put("user", user("reviewer"));
            fields.put("pull_request_url", api() + "/repos/" + fullName() + "/pulls/" + pull);
            if (inReplyTo > 0) {
                fields.put("in_reply_to_id", inReplyTo);
            }
            return contract.shape("pull-request-review-comment", fields);
        }
    }

    private final GhesContract contract = GhesContract.load();
    private final AtomicLong ids = new AtomicLong(1000);
    private final AtomicLong numbers = new AtomicLong(0);
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<Long, String> installations = new ConcurrentHashMap<>();
    private final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();
    private final Map<Long, String> logs = new ConcurrentHashMap<>();
    private final List<ObjectNode> deliveries = new CopyOnWriteArrayList<>();
    private final List<Long> redeliveryRequests = new CopyOnWriteArrayList<>();
    private final Map<String, String> manifestCodes = new ConcurrentHashMap<>();
    private final java.util.Queue<String> creationCodes = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Map<String, PublicKey> manifestKeys = new ConcurrentHashMap<>();
    private final List<JsonNode> postedManifests = new CopyOnWriteArrayList<>();
    private volatile ObjectNode createdApp;
    private final Queue faults = new Queue();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> gitRequests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, String> etags = new ConcurrentHashMap<>();
    private final Map<String, Hook> sent = new ConcurrentHashMap<>();
    private final ExecutorService hooks = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("ghes-hookshot").daemon().factory());
    private final HttpClient hookClient =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final EventParser parser = new EventParser(25L << 20);
    private volatile URI webhookUrl;
    private volatile byte[] webhookSecret;
    private volatile long appId;
    private volatile PublicKey appKey;
    private volatile int rateRemaining = 5000;
    private WebServer server;

    /** A FIFO of scripted faults (a tiny wrapper, so the field reads well). */
    private static final class Queue {
        private final ConcurrentLinkedQueue<Fault> items = new ConcurrentLinkedQueue<>();
    }

    private GhesSimulator() {}

    /** Decodes gzipped request bodies (JGit compresses larger Git requests); Helidon's gzip module is not served here. */
    private static final class GzipRequests implements io.helidon.http.encoding.ContentEncoding {
        @Override
        public Set<String> ids() {
            return Set.of("gzip");
        }

        @Override
        public boolean supportsEncoding() {
            return false;
        }

        @Override
        public boolean supportsDecoding() {
            return true;
        }

        @Override
        public io.helidon.http.encoding.ContentDecoder decoder() {
            return in -> {
                try {
                    return new GZIPInputStream(in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }

        @Override
        public io.helidon.http.encoding.ContentEncoder encoder() {
            return io.helidon.http.encoding.ContentEncoder.NO_OP;
        }

        @Override
        public String name() {
            return "gzip";
        }

        @Override
        public String type() {
            return "gzip";
        }
    }

    /** Starts a simulator on a free local port. */
    private final Map<String, String> userEmails = new ConcurrentHashMap<>();

    public static GhesSimulator start() {
        GhesSimulator simulator = new GhesSimulator();
        simulator.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .contentEncoding(io.helidon.http.encoding.ContentEncodingContext.builder()
                        .contentEncodingsDiscoverServices(false)
                        .addContentEncoding(new GzipRequests())
                        .build())
                .routing(routing -> routing.any(simulator::handle))
                .build()
                .start();
        return simulator;
    }

    /** The App whose JWTs are accepted: its id and public key. */
    public GhesSimulator withApp(long id, PublicKey publicKey) {
        this.appId = id;
        this.appKey = publicKey;
        return this;
    }

    /** Installs the App on an account; returns this. */
    public GhesSimulator withInstallation(long id, String account) {
        installations.put(id, account);
        return this;
    }

    /** Adds a repository backed by the (bare) Git repository at {@code gitDir}, in the owner's installation. */
    public GhesSimulator withRepo(String fullName, Path gitDir) {
        String[] parts = fullName.split("/");
        long installation = installations.entrySet().stream()
                .filter(e -> e.getValue().equals(parts[0]))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseGet(() -> {
                    long id = ids.incrementAndGet();
                    installations.put(id, parts[0]);
                    return id;
                });
        repos.put(fullName, new Repo(parts[0], parts[1], gitDir, installation));
        return this;
    }

    /** A repository's state, to arrange and to assert on. */
    public Repo repo(String fullName) {
        return Optional.ofNullable(repos.get(fullName)).orElseThrow(() -> new IllegalArgumentException(fullName));
    }

    /** The installation id that covers a repository. */
    public long installationOf(String fullName) {
        return repo(fullName).installationId;
    }

    /** {@code https://HOST/api/v3} of this simulator (plain HTTP here). */
    public URI apiUrl() {
        return URI.create(api());
    }

    /** The next {@code count} API requests are answered with a secondary rate limit ({@code status} 403 or 429). */
    public GhesSimulator secondaryLimit(int count, int status, Optional<Integer> retryAfter) {
        for (int i = 0; i < count; i++) {
            Map<String, String> headers = new LinkedHashMap<>();
            retryAfter.ifPresent(seconds -> headers.put("retry-after", Integer.toString(seconds)));
            faults.items.add(new Fault(status, headers, "You have exceeded a secondary rate limit."));
        }
        return this;
    }

    /** The next API request is answered 403 with the primary rate limit spent ({@code x-ratelimit-remaining: 0}). */
    public GhesSimulator primaryLimitSpent(long resetEpochSecond) {
        faults.items.add(new Fault(
                403,
                Map.of("x-ratelimit-remaining", "0", "x-ratelimit-reset", Long.toString(resetEpochSecond)),
                "API rate limit exceeded for installation."));
        return this;
    }

    /** The next {@code count} API requests fail with a 502. */
    public GhesSimulator serverErrors(int count) {
        for (int i = 0; i < count; i++) {
            faults.items.add(new Fault(502, Map.of(), "Server Error"));
        }
        return this;
    }

    /** Sets the {@code x-ratelimit-remaining} the next answers report. */
    public GhesSimulator rateRemaining(int remaining) {
        this.rateRemaining = remaining;
        return this;
    }

    /** Records a webhook delivery attempt as GitHub lists it under {@code /app/hook/deliveries}. */
    public GhesSimulator withDelivery(String guid, String event, int statusCode, Instant at) {
        deliveries.add(
                0,
                contract.shape(
                        "hook-delivery-item",
                        Map.of(
                                "id",
                                ids.incrementAndGet(),
                                "guid",
                                guid,
                                "delivered_at",
                                at.truncatedTo(ChronoUnit.SECONDS).toString(),
                                "redelivery",
                                false,
                                "status_code",
                                statusCode,
                                "status",
                                statusCode >= 200 && statusCode < 300 ? "OK" : "Invalid HTTP Response: " + statusCode,
                                "event",
                                event,
                                "duration",
                                0.1)));
        return this;
    }

    /**
     * Sets the App's webhook: from now on the simulator delivers its own state changes to {@code url}, signed with
     * {@code secret} (null: unsigned, as an App without a secret), one at a time in order, and lists every attempt
     * under {@code /app/hook/deliveries}. A manifest conversion replaces the secret with the one it hands out.
     */
    public GhesSimulator withWebhook(URI url, String secret) {
        this.webhookUrl = url;
        this.webhookSecret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /**
     * The App is installed on the installation's account: delivers {@code installation.created} with the
     * installation's repositories; returns the delivery guid (null without a webhook).
     */
    public String installed(long installationId) {
        String account = Optional.ofNullable(installations.get(installationId))
                .orElseThrow(() -> new IllegalArgumentException("no installation " + installationId));
        List<Object> repositories = repos.values().stream()
                .filter(r -> r.installationId == installationId)
                .map(r -> (Object) Map.of(
                        "id", r.id, "node_id", "R_" + r.id, "name", r.name, "full_name", r.fullName(), "private", true))
                .toList();
        Map<String, Object> installation = new LinkedHashMap<>();
        installation.put("id", installationId);
        installation.put("account", user(account));
        installation.put("app_id", appId);
        installation.put("target_type", "Organization");
        installation.put("access_tokens_url", api() + "/app/installations/" + installationId + "/access_tokens");
        installation.put("repositories_url", api() + "/installation/repositories");
        return deliver(
                "installation",
                "created",
                installationId,
                0,
                WebhookPayloads.of(
                        "installation",
                        "created",
                        Map.of("installation", installation, "repositories", repositories, "sender", user("octocat"))));
    }

    /** Every delivery attempt as {@code GET /app/hook/deliveries} lists it, newest first. */
    public List<ObjectNode> hookDeliveries() {
        return deliveries.stream().map(ObjectNode::deepCopy).toList();
    }

    /** The guids of the events the simulator delivered itself, oldest first. */
    public List<String> deliveredGuids() {
        return sent.values().stream()
                .sorted(java.util.Comparator.comparingLong(Hook::seq))
                .map(Hook::guid)
                .toList();
    }

    /** The ids of delivery attempts whose redelivery was requested, in order. */
    public List<Long> redeliveryRequests() {
        return List.copyOf(redeliveryRequests);
    }

    /** The attempt ids of a delivery guid. */
    public List<Long> deliveryIds(String guid) {
        return deliveries.stream()
                .filter(d -> d.path("guid").asText().equals(guid))
                .map(d -> d.path("id").asLong())
                .toList();
    }

    /** Registers a manifest conversion code answering a new App with this key PEM. */
    public GhesSimulator withManifestCode(String code, String pem) {
        manifestCodes.put(code, pem);
        return this;
    }

    /** Every authorised Git smart HTTP request, as {@code owner/name service}, in order. */
    public List<String> gitRequests() {
        return List.copyOf(gitRequests);
    }

    /**
     * What an admin does on GitHub's "create a GitHub App" page: the next form post of a manifest to {@code
     * /settings/apps/new} is answered with a redirect to the manifest's {@code redirect_url} carrying {@code code}
     * and the state; converting the code answers a new App with this key, and from then on the simulator accepts that
     * App's JWTs (signed with the private half of {@code publicKey}).
     */
    public GhesSimulator withAppCreation(String code, String pem, PublicKey publicKey) {
        manifestCodes.put(code, pem);
        creationCodes.add(code);
        manifestKeys.put(code, publicKey);
        return this;
    }

    /** The manifests posted to the App creation page, oldest first. */
    public List<JsonNode> postedManifests() {
        return List.copyOf(postedManifests);
    }

    /** The last App created by a manifest conversion (id, webhook_secret, …), or null. */
    public ObjectNode createdApp() {
        return createdApp;
    }

    /** Every request received, in order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    /** Contract violations and refused credentials seen so far; a test fails when any is there. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** The installation tokens issued, for assertions on their narrowing. */
    Map<String, IssuedToken> issuedTokens() {
        return Map.copyOf(tokens);
    }

    /** Expires every issued token now (as if an hour passed). */
    public void expireTokens() {
        tokens.replaceAll(
                (k, t) -> new IssuedToken(t.installationId(), t.repositories(), t.permissions(), Instant.EPOCH));
    }

    @Override
    public void close() {
        hooks.shutdownNow();
        if (server != null) {
            server.stop();
        }
    }

    // --- webhook delivery ----------------------------------------------------------------------

    /** The App's webhook id, in {@code X-GitHub-Hook-ID}. */
    static final long HOOK_ID = 417_001;

    /** An event the simulator delivered, kept for redelivery (same guid, same body). */
    private record Hook(
            long seq, String guid, String event, String action, long installationId, long repositoryId, byte[] body) {}

    /** Delivers an event about {@code repo}: its repository, installation and {@code sender} laid over the example. */
    private String deliverAbout(Repo repo, String event, String action, String sender, Map<String, ?> subject) {
        if (webhookUrl == null) {
            return null; // an App without a webhook URL gets no deliveries
        }
        Map<String, Object> overlay = new LinkedHashMap<>(subject);
        overlay.put("repository", repositoryPayload(repo));
        overlay.put("installation", Map.of("id", repo.installationId, "node_id", "MDIz" + repo.installationId));
        overlay.put("sender", user(sender));
        return deliver(event, action, repo.installationId, repo.id, WebhookPayloads.of(event, action, overlay));
    }

    private Map<String, Object> repositoryPayload(Repo repo) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", repo.id);
        fields.put("node_id", "R_" + repo.id);
        fields.put("name", repo.name);
        fields.put("full_name", repo.fullName());
        fields.put("private", true);
        fields.put("owner", user(repo.owner));
        fields.put("html_url", web() + "/" + repo.fullName());
        fields.put("url", api() + "/repos/" + repo.fullName());
        fields.put("default_branch", "main");
        return fields;
    }

    private void deliverReviewComment(Repo repo, long pull, ObjectNode comment, String sender) {
        ObjectNode pr = repo.pulls.get(pull);
        Object subject = pr != null ? pr : Map.of("number", pull);
        deliverAbout(
                repo,
                "pull_request_review_comment",
                "created",
                sender,
                Map.of("pull_request", subject, "comment", comment));
    }

    private void deliverCheckRun(Repo repo, long id, String sha, String name, String conclusion) {
        List<Object> pulls = new ArrayList<>();
        String branch = null;
        for (ObjectNode pr : repo.pulls.values()) {
            if (pr.path("head").path("sha").asText().equals(sha)) {
                branch = pr.path("head").path("ref").asText();
                pulls.add(Map.of(
                        "id", pr.path("id").asLong(),
                        "number", pr.path("number").asLong(),
                        "url",
                                api() + "/repos/" + repo.fullName() + "/pulls/"
                                        + pr.path("number").asLong(),
                        "head", Map.of("ref", branch, "sha", sha),
                        "base",
                                Map.of(
                                        "ref",
                                        pr.path("base").path("ref").asText(),
                                        "sha",
                                        pr.path("base").path("sha").asText())));
            }
        }
        Map<String, Object> suite = new LinkedHashMap<>();
        suite.put("head_sha", sha);
        suite.put("head_branch", branch);
        suite.put("status", "completed");
        suite.put("conclusion", conclusion);
        suite.put("pull_requests", pulls);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("id", id);
        run.put("name", name);
        run.put("head_sha", sha);
        run.put("status", "completed");
        run.put("conclusion", conclusion);
        run.put("completed_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        run.put("check_suite", suite);
        run.put("pull_requests", pulls);
        deliverAbout(repo, "check_run", "completed", "octocat", Map.of("check_run", run));
    }

    private void deliverPush(Repo repo, Repository db, ReceiveCommand command) {
        if (webhookUrl == null) {
            return;
        }
        String before = command.getOldId().name();
        String after = command.getNewId().name();
        List<Object> commits = new ArrayList<>();
        if (!command.getNewId().equals(ObjectId.zeroId())) {
            try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(db)) {
                walk.markStart(walk.parseCommit(command.getNewId()));
                if (!command.getOldId().equals(ObjectId.zeroId())) {
                    walk.markUninteresting(walk.parseCommit(command.getOldId()));
                }
                for (org.eclipse.jgit.revwalk.RevCommit commit : walk) {
                    Map<String, Object> author = Map.of(
                            "name", commit.getAuthorIdent().getName(),
                            "email", commit.getAuthorIdent().getEmailAddress());
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("id", commit.name());
                    fields.put("tree_id", commit.getTree().name());
                    fields.put("distinct", true);
                    fields.put("message", commit.getFullMessage());
                    fields.put(
                            "timestamp",
                            commit.getCommitterIdent().getWhenAsInstant().toString());
                    fields.put("url", web() + "/" + repo.fullName() + "/commit/" + commit.name());
                    fields.put("author", author);
                    fields.put("committer", author);
                    fields.put("added", List.of());
                    fields.put("removed", List.of());
                    fields.put("modified", List.of());
                    commits.add(0, fields);
                    if (commits.size() == 20) {
                        break; // GitHub lists at most 20 commits in a push payload
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<String, Object> overlay = new LinkedHashMap<>();
        overlay.put("ref", command.getRefName());
        overlay.put("before", before);
        overlay.put("after", after);
        overlay.put("created", command.getType() == ReceiveCommand.Type.CREATE);
        overlay.put("deleted", command.getType() == ReceiveCommand.Type.DELETE);
        overlay.put("forced", command.getType() == ReceiveCommand.Type.UPDATE_NONFASTFORWARD);
        overlay.put("base_ref", null);
        overlay.put("compare", web() + "/" + repo.fullName() + "/compare/" + before + "..." + after);
        overlay.put("commits", commits);
        overlay.put("head_commit", commits.isEmpty() ? null : commits.getLast());
        overlay.put("pusher", Map.of("name", "magicode[bot]", "email", "magicode[bot]@users.noreply.github.com"));
        deliverAbout(repo, "push", null, "magicode[bot]", overlay);
    }

    /** Queues an event's first delivery; the payload must parse as the appliance reads it (else a violation). */
    private String deliver(String event, String action, long installationId, long repositoryId, ObjectNode payload) {
        if (webhookUrl == null) {
            return null;
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            parser.parse(event, body);
        } catch (WebhookException e) {
            violations.add("simulated " + event + " payload does not parse: " + e.getMessage());
        }
        String guid = java.util.UUID.randomUUID().toString();
        sent.put(guid, new Hook(ids.incrementAndGet(), guid, event, action, installationId, repositoryId, body));
        hooks.execute(() -> attempt(guid, false));
        return guid;
    }

    /** One delivery attempt, as GitHub's hookshot makes it, listed with its outcome. */
    private void attempt(String guid, boolean redelivery) {
        Hook hook = sent.get(guid);
        URI url = webhookUrl;
        byte[] secret = webhookSecret;
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("User-Agent", "GitHub-Hookshot/simulator")
                .header("X-GitHub-Event", hook.event())
                .header("X-GitHub-Delivery", guid)
                .header("X-GitHub-Hook-ID", Long.toString(HOOK_ID))
                .header("X-GitHub-Hook-Installation-Target-Type", "integration")
                .header("X-GitHub-Hook-Installation-Target-ID", Long.toString(appId))
                .header("X-GitHub-Enterprise-Host", "127.0.0.1")
                .header("X-GitHub-Enterprise-Version", "3.19.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(hook.body()));
        if (secret != null) {
            request.header(WebhookSignature.HEADER, WebhookSignature.sign(secret, hook.body()));
        }
        long start = System.nanoTime();
        int status;
        String outcome;
        try {
            status = hookClient
                    .send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            outcome = status >= 200 && status < 300 ? "OK" : "Invalid HTTP Response: " + status;
        } catch (IOException e) {
            status = 0;
            outcome = "failed to connect to host";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", ids.incrementAndGet());
        item.put("guid", guid);
        item.put("delivered_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        item.put("redelivery", redelivery);
        item.put("duration", (System.nanoTime() - start) / 1e9);
        item.put("status", outcome);
        item.put("status_code", status);
        item.put("event", hook.event());
        item.put("action", hook.action());
        item.put("installation_id", hook.installationId());
        item.put("repository_id", hook.repositoryId() == 0 ? null : hook.repositoryId());
        deliveries.add(0, contract.shape("hook-delivery-item", item));
    }

    // --- dispatch ------------------------------------------------------------------------------

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private String api() {
        return base() + "/api/v3";
    }

    private String web() {
        return base();
    }

    private record Reply(int status, Map<String, String> headers, byte[] body) {
        static Reply json(int status, Object body) {
            try {
                return new Reply(
                        status,
                        new LinkedHashMap<>(Map.of("content-type", "application/json; charset=utf-8")),
                        JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Reply empty(int status) {
            return new Reply(status, new LinkedHashMap<>(), new byte[0]);
        }
    }

    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void handle(ServerRequest req, ServerResponse res) throws Exception {
        String path = req.path().rawPath();
        String method = req.prologue().method().text();
        Matcher git = GIT_PATH.matcher(path);
        if (git.matches()) {
            Map<String, String> gitHeaders = new LinkedHashMap<>();
            req.headers().forEach(h -> gitHeaders.put(h.name().toLowerCase(java.util.Locale.ROOT), h.get()));
            gitHeaders.remove("authorization");
            requests.add(new Recorded(method, path, req.query().rawValue(), gitHeaders, ""));
            git(req, res, git.group(1) + "/" + git.group(2), git.group(3));
            return;
        }
        byte[] body = req.content().hasEntity() ? req.content().as(byte[].class) : new byte[0];
        Map<String, String> headers = new LinkedHashMap<>();
        req.headers().forEach(h -> headers.put(h.name().toLowerCase(java.util.Locale.ROOT), h.get()));
        String query = req.query().rawValue();
        requests.add(new Recorded(method, path, query, headers, new String(body, StandardCharsets.UTF_8)));
        if (path.startsWith("/_logs/")) {
            String log = logs.get(Long.parseLong(path.substring("/_logs/".length())));
            res.header(HeaderNames.CONTENT_TYPE, "text/plain").send(log == null ? "" : log);
            return;
        }
        if (method.equals("POST") && path.matches("(/organizations/[^/]+)?/settings/apps/new")) {
            createApp(req.query().first("state").orElse(""), new String(body, StandardCharsets.UTF_8), res);
            return;
        }
        if (path.equals("/api/graphql")) {
            send(res, graphql(headers, body));
            return;
        }
        if (!path.startsWith("/api/v3/")) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        String apiPath = path.substring("/api/v3".length());
        Fault fault = faults.items.poll();
        Reply reply;
        boolean validateResponse = true;
        if (fault != null) {
            reply = Reply.json(
                    fault.status(),
                    Map.of("message", fault.message(), "documentation_url", "https://docs.github.com/rest"));
            reply.headers().putAll(fault.headers());
            validateResponse = false;
        } else {
            try {
                reply = route(method, apiPath + (query.isEmpty() ? "" : "?" + query), headers, body);
            } catch (Refusal refusal) {
                reply = Reply.json(
                        refusal.status,
                        Map.of("message", refusal.getMessage(), "documentation_url", "https://docs.github.com/rest"));
            }
        }
        if (!reply.headers().containsKey("x-ratelimit-remaining")) {
            reply.headers().put("x-ratelimit-limit", "5000");
            reply.headers().put("x-ratelimit-remaining", Integer.toString(rateRemaining));
            reply.headers()
                    .put(
                            "x-ratelimit-reset",
                            Long.toString(Instant.now().plusSeconds(3600).getEpochSecond()));
            reply.headers().put("x-ratelimit-used", Integer.toString(5000 - rateRemaining));
            reply.headers().put("x-ratelimit-resource", "core");
        }
        reply = conditional(method, apiPath + (query.isEmpty() ? "" : "?" + query), headers, reply);
        Map<String, List<String>> queryParams = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            queryParams.put(name, req.query().all(name));
        }
        List<String> errors = contract.exchanges()
                .validate(
                        method,
                        apiPath,
                        queryParams,
                        headers,
                        body,
                        validateResponse ? reply.status() : 200,
                        validateResponse ? reply.headers() : Map.of("content-type", "application/json"),
                        validateResponse ? reply.body() : null);
        if (!validateResponse) {
            // Only the request side is checked for scripted faults; GitHub documents them globally, not per operation.
            errors = errors.stream()
                    .filter(e -> e.contains("validation.request"))
                    .toList();
        } else if (reply.status() == 304) {
            // GitHub answers any conditional GET with 304; the description lists it for some operations only.
            errors = errors.stream()
                    .filter(e -> !e.contains("validation.response.status.unknown"))
                    .toList();
        }
        violations.addAll(errors);
        send(res, reply);
    }

    private Reply conditional(String method, String key, Map<String, String> headers, Reply reply) {
        if (!method.equals("GET") || reply.status() != 200) {
            return reply;
        }
        String etag = "\"" + Integer.toHexString(java.util.Arrays.hashCode(reply.body())) + "\"";
        etags.put(key, etag);
        reply.headers().put("etag", etag);
        if (etag.equals(headers.get("if-none-match"))) {
            Reply notModified = Reply.empty(304);
            notModified.headers().putAll(reply.headers());
            notModified.headers().remove("content-type");
            return notModified;
        }
        return reply;
    }

    private static void send(ServerResponse res, Reply reply) {
        res.status(Status.create(reply.status()));
        reply.headers().forEach((name, value) -> res.header(HeaderNames.create(name), value));
        if (reply.status() == 304) {
            res.send();
        } else {
            res.send(reply.body());
        }
    }

    // --- REST ----------------------------------------------------------------------------------

    private Reply route(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        String route = method + " " + path.replaceAll("\\?.*", "");
        Matcher m;
        if ((m = match(route, "POST /app-manifests/([^/]+)/conversions")) != null) {
            return manifestConversion(m.group(1));
        }
        if (route.startsWith("GET /app/") || route.startsWith("POST /app/")) {
            requireAppJwt(headers);
            if (route.equals("GET /app/installations")) {
                ArrayNode list = JSON.createArrayNode();
                installations.forEach((id, account) -> list.add(installation(id, account)));
                return Reply.json(200, list);
            }
            if ((m = match(route, "POST /app/installations/(\\d+)/access_tokens")) != null) {
                return accessToken(Long.parseLong(m.group(1)), body);
            }
            if (route.equals("GET /app/hook/deliveries")) {
                return hookDeliveries(path);
            }
            if ((m = match(route, "POST /app/hook/deliveries/(\\d+)/attempts")) != null) {
                long id = Long.parseLong(m.group(1));
                ObjectNode original = deliveries.stream()
                        .filter(d -> d.path("id").asLong() == id)
                        .findFirst()
                        .orElseThrow(() -> new Refusal(404, "Not Found"));
                redeliveryRequests.add(id);
                String guid = original.path("guid").asText();
                if (sent.containsKey(guid)) {
                    // GitHub answers at once and delivers the same event (same guid and body) again later.
                    hooks.execute(() -> attempt(guid, true));
                    return Reply.json(202, Map.of());
                }
                ObjectNode again = original.deepCopy();
                again.put("id", ids.incrementAndGet());
                again.put("redelivery", true);
                again.put(
                        "delivered_at",
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                deliveries.add(0, again);
                return Reply.json(202, Map.of());
            }
            throw new Refusal(404, "Not Found");
        }
        if (route.equals("GET /installation/repositories")) {
            IssuedToken token = requireToken(headers);
            ArrayNode list = JSON.createArrayNode();
            repos.values().stream()
                    .filter(r -> r.installationId == token.installationId())
                    .filter(r -> token.repositories().isEmpty()
                            || token.repositories().contains(r.name))
                    .forEach(r -> list.add(repository(r)));
            return Reply.json(200, Map.of("total_count", list.size(), "repositories", list));
        }
        if (route.equals("GET /search/users")) {
            requireToken(headers);
            return userSearch(path);
        }
        m = REPO_PATH.matcher(path.replaceAll("\\?.*", ""));
        if (m.matches()) {
            Repo repo = repos.get(m.group(1) + "/" + m.group(2));
            String rest = m.group(3) == null ? "" : m.group(3);
            if (rest.equals("/installation") && method.equals("GET")) {
                requireAppJwt(headers);
                if (repo == null) {
                    throw new Refusal(404, "Not Found");
                }
                return Reply.json(200, installation(repo.installationId, repo.owner));
            }
            IssuedToken token = requireToken(headers);
            if (repo == null
                    || repo.installationId != token.installationId()
                    || (!token.repositories().isEmpty() && !token.repositories().contains(repo.name))) {
                throw new Refusal(404, "Not Found");
            }
            return repoRoute(repo, token, method, rest, path, body);
        }
        throw new Refusal(404, "Not Found");
    }

    private Reply repoRoute(Repo repo, IssuedToken token, String method, String rest, String fullPath, byte[] body)
            throws IOException {
        String route = method + " " + rest;
        JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        Matcher m;
        if ((m = match(route, "GET /collaborators/([^/]+)/permission")) != null) {
            return collaboratorPermission(repo, m.group(1));
        }
        if ((m = match(route, "GET /issues/(\\d+)")) != null) {
            need(token, "issues", "read");
            return Reply.json(200, found(repo.issues.get(Long.parseLong(m.group(1)))));
        }
        if ((m = match(route, "(GET|POST) /issues/(\\d+)/comments")) != null) {
            long issue = Long.parseLong(m.group(2));
            // A pull request is an issue too: its conversation comments live here.
            found(repo.issues.containsKey(issue) ? repo.issues.get(issue) : repo.pulls.get(issue));
            if (m.group(1).equals("GET")) {
                need(token, "issues", "read");
                return page(fullPath, repo.comments.getOrDefault(issue, List.of()));
            }
            need(token, "issues", "write");
            return Reply.json(201, repo.addComment(issue, json.path("body").asText(), "magicode[bot]"));
        }
        if ((m = match(route, "POST /issues/(\\d+)/reactions")) != null) {
            need(token, "issues", "write");
            found(repo.issues.get(Long.parseLong(m.group(1))));
            repo.reactions.add("#" + m.group(1) + ":" + json.path("content").asText());
            return Reply.json(201, reaction(json.path("content").asText()));
        }
        if ((m = match(route, "POST /issues/comments/(\\d+)/reactions")) != null) {
            need(token, "issues", "write");
            repo.reactions.add(
                    "comment:" + m.group(1) + ":" + json.path("content").asText());
            return Reply.json(201, reaction(json.path("content").asText()));
        }
        if (route.equals("POST /pulls")) {
            need(token, "pull_requests", "write");
            String head = json.path("head").asText();
            Optional<String> sha = refSha(repo, head);
            if (sha.isEmpty()) {
                throw new Refusal(422, "Validation Failed");
            }
            long number = numbers.incrementAndGet();
            ObjectNode pr = pullRequest(
                    repo,
                    number,
                    json.path("title").asText(),
                    json.path("body").asText(""),
                    head,
                    sha.get(),
                    json.path("base").asText(),
                    json.path("draft").asBoolean());
            repo.pulls.put(number, pr);
            deliverAbout(repo, "pull_request", "opened", "magicode[bot]", Map.of("number", number, "pull_request", pr));
            return Reply.json(201, pr);
        }
        if (route.equals("GET /pulls")) {
            need(token, "pull_requests", "read");
            String headFilter = queryValue(fullPath, "head");
            List<ObjectNode> list = new ArrayList<>();
            for (ObjectNode pr : repo.pulls.values()) {
                String label = repo.owner + ":" + pr.path("head").path("ref").asText();
                if ((headFilter == null || headFilter.equals(label))
                        && pr.path("state").asText().equals("open")) {
                    list.add(pullRequestSimple(pr));
                }
            }
            return page(fullPath, list);
        }
        if ((m = match(route, "(GET|PATCH) /pulls/(\\d+)")) != null) {
            ObjectNode pr = found(repo.pulls.get(Long.parseLong(m.group(2))));
            if (m.group(1).equals("PATCH")) {
                need(token, "pull_requests", "write");
                boolean closing = pr.path("state").asText().equals("open")
                        && json.path("state").asText().equals("closed");
                for (String field : List.of("title", "body", "state")) {
                    if (json.has(field)) {
                        pr.set(field, json.get(field));
                    }
                }
                if (closing) {
                    deliverAbout(
                            repo,
                            "pull_request",
                            "closed",
                            "magicode[bot]",
                            Map.of("number", Long.parseLong(m.group(2)), "pull_request", pr));
                }
            } else {
                need(token, "pull_requests", "read");
            }
            return Reply.json(200, pr);
        }
        if ((m = match(route, "GET /pulls/(\\d+)/comments")) != null) {
            need(token, "pull_requests", "read");
            return page(fullPath, repo.reviewComments.getOrDefault(Long.parseLong(m.group(1)), List.of()));
        }
        if ((m = match(route, "POST /pulls/(\\d+)/comments/(\\d+)/replies")) != null) {
            need(token, "pull_requests", "write");
            long pull = Long.parseLong(m.group(1));
            long to = Long.parseLong(m.group(2));
            List<ObjectNode> list = repo.reviewComments.getOrDefault(pull, List.of());
            ObjectNode first = list.stream()
                    .filter(c -> c.path("id").asLong() == to)
                    .findFirst()
                    .orElseThrow(() -> new Refusal(404, "Not Found"));
            ObjectNode reply = repo.reviewCommentShape(
                    pull,
                    ids.incrementAndGet(),
                    first.path("path").asText(),
                    first.path("line").asInt(),
                    json.path("body").asText(),
                    to);
            reply.set("user", JSON.valueToTree(user("magicode[bot]")));
            repo.reviewComments.get(pull).add(reply);
            deliverReviewComment(repo, pull, reply, "magicode[bot]");
            return Reply.json(201, reply);
        }
        if ((m = match(route, "GET /commits/([^/]+)/check-runs")) != null) {
            need(token, "checks", "read");
            String ref = java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            String sha = refSha(repo, ref).orElse(ref);
            List<ObjectNode> runs = repo.checkRuns.getOrDefault(sha, List.of());
            return Reply.json(200, Map.of("total_count", runs.size(), "check_runs", runs));
        }
        if ((m = match(route, "GET /actions/jobs/(\\d+)/logs")) != null) {
            need(token, "actions", "read");
            if (!logs.containsKey(Long.parseLong(m.group(1)))) {
                throw new Refusal(404, "Not Found");
            }
            Reply reply = Reply.empty(302);
            reply.headers().put("location", base() + "/_logs/" + m.group(1));
            return reply;
        }
        if ((m = match(route, "GET /branches/(.+)")) != null) {
            need(token, "metadata", "read");
            String branch = decodePath(m.group(1));
            String sha = refSha(repo, branch).orElseThrow(() -> new Refusal(404, "Branch not found"));
            return Reply.json(
                    200,
                    contract.shape(
                            "branch-with-protection",
                            Map.of(
                                    "name",
                                    branch,
                                    "protected",
                                    repo.protectedBranches.contains(branch),
                                    "commit",
                                    contract.shape(
                                            "commit",
                                            Map.of(
                                                    "sha",
                                                    sha,
                                                    "url",
                                                    api() + "/repos/" + repo.fullName() + "/commits/" + sha,
                                                    "author",
                                                    user("octocat"),
                                                    "committer",
                                                    user("octocat"))),
                                    "protection_url",
                                    api() + "/repos/" + repo.fullName() + "/branches/" + branch + "/protection")));
        }
        if ((m = match(route, "GET /rules/branches/(.+)")) != null) {
            need(token, "metadata", "read");
            String branch = decodePath(m.group(1));
            List<Object> rules = new ArrayList<>();
            for (int i = 0; i < repo.rulesets.size(); i++) {
                if (glob(repo.rulesets.get(i)).matches(Path.of(branch))) {
                    rules.add(Map.of(
                            "type",
                            "non_fast_forward",
                            "ruleset_source_type",
                            "Repository",
                            "ruleset_source",
                            repo.fullName(),
                            "ruleset_id",
                            i + 1));
                }
            }
            return page(fullPath, rules);
        }
        if ((m = match(route, "GET /git/trees/([^/?]+)")) != null) {
            need(token, "contents", "read");
            String base = api() + "/repos/" + repo.fullName() + "/git/";
            List<Object> entries = new ArrayList<>();
            String treeSha = listTree(repo, decodePath(m.group(1)), entry -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("path", entry.path());
                fields.put("mode", entry.mode());
                fields.put("type", entry.type());
                fields.put("sha", entry.sha());
                if (entry.type().equals("blob")) {
                    fields.put("size", entry.size());
                }
                fields.put("url", base + (entry.type().equals("blob") ? "blobs/" : "trees/") + entry.sha());
                entries.add(fields);
            });
            return Reply.json(
                    200,
                    contract.shape(
                            "git-tree",
                            Map.of(
                                    "sha",
                                    treeSha,
                                    "url",
                                    base + "trees/" + treeSha,
                                    "truncated",
                                    false,
                                    "tree",
                                    entries)));
        }
        if ((m = match(route, "GET /git/blobs/([0-9a-f]{40})")) != null) {
            need(token, "contents", "read");
            String sha = m.group(1);
            byte[] content = readBlob(repo, sha).orElseThrow(() -> new Refusal(404, "Not Found"));
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("sha", sha);
            fields.put("node_id", "B_" + sha.substring(0, 12));
            fields.put("size", content.length);
            fields.put("url", api() + "/repos/" + repo.fullName() + "/git/blobs/" + sha);
            fields.put("content", Base64.getMimeEncoder().encodeToString(content));
            fields.put("encoding", "base64");
            return Reply.json(200, contract.shape("blob", fields));
        }
        if ((m = match(route, "GET /contents/(.+)")) != null) {
            need(token, "contents", "read");
            String file = decodePath(m.group(1));
            String ref = Optional.ofNullable(queryValue(fullPath, "ref")).orElse("HEAD");
            byte[] content = readFile(repo, ref, file).orElseThrow(() -> new Refusal(404, "Not Found"));
            String url = api() + "/repos/" + repo.fullName() + "/contents/" + file;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("type", "file");
            fields.put("encoding", "base64");
            fields.put("size", content.length);
            fields.put("name", Path.of(file).getFileName().toString());
            fields.put("path", file);
            fields.put("content", Base64.getMimeEncoder().encodeToString(content));
            fields.put("sha", ObjectId.zeroId().name());
            fields.put("url", url);
            fields.put("git_url", url);
            fields.put("html_url", url);
            fields.put("download_url", url);
            return Reply.json(200, contract.shape("content-file", fields));
        }
        throw new Refusal(404, "Not Found");
    }

    /** {@code GET /search/users?q=EMAIL in:email}: the users whose public or verified e-mail it is. */
    private Reply userSearch(String path) {
        String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        String q = java.util.Arrays.stream(query.split("&"))
                .filter(p -> p.startsWith("q="))
                .map(p -> java.net.URLDecoder.decode(p.substring(2), StandardCharsets.UTF_8))
                .findFirst()
                .orElseThrow(() -> new Refusal(422, "Validation Failed"));
        String email = q.replaceAll("\\s+in:email\\s*$", "").strip().toLowerCase(java.util.Locale.ROOT);
        ArrayNode items = JSON.createArrayNode();
        String login = userEmails.get(email);
        if (login != null) {
            items.add(contract.shape(
                    "user-search-result-item",
                    Map.of("login", login, "id", (long) login.hashCode() & 0xffffff, "score", 1.0)));
        }
        return Reply.json(200, Map.of("total_count", items.size(), "incomplete_results", false, "items", items));
    }

    /** A user whose e-mail {@code GET /search/users} finds. */
    public GhesSimulator withUserEmail(String email, String login) {
        userEmails.put(email.toLowerCase(java.util.Locale.ROOT), login);
        return this;
    }

    private Reply collaboratorPermission(Repo repo, String login) {
        String role = repo.collaborators.get(login.toLowerCase(java.util.Locale.ROOT));
        if (role == null && login.equalsIgnoreCase(repo.owner)) {
            role = "admin";
        }
        if (role == null) {
            throw new Refusal(404, "Not Found");
        }
        // GitHub's legacy base role: maintain counts as write, triage as read; role_name keeps the real one.
        String permission = switch (role) {
            case "maintain" -> "write";
            case "triage" -> "read";
            default -> role;
        };
        return Reply.json(
                200,
                contract.shape(
                        "repository-collaborator-permission",
                        Map.of(
                                "permission",
                                permission,
                                "role_name",
                                role,
                                "user",
                                contract.shape(
                                        "nullable-collaborator",
                                        Map.of(
                                                "login",
                                                login,
                                                "id",
                                                Math.abs(login.hashCode()) % 100000 + 1,
                                                "type",
                                                "User",
                                                "role_name",
                                                role)))));
    }

    private static Matcher match(String route, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(route);
        return m.matches() ? m : null;
    }

    private static <T> T found(T value) {
        if (value == null) {
            throw new Refusal(404, "Not Found");
        }
        return value;
    }

    private static String decodePath(String path) {
        return java.net.URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static PathMatcher glob(String pattern) {
        return FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    }

    private static String queryValue(String path, String name) {
        int q = path.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : path.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** Pages a list by {@code per_page}/{@code page} with a {@code Link} header, as GitHub does. */
    private Reply page(String fullPath, List<?> items) {
        int perPage = Optional.ofNullable(queryValue(fullPath, "per_page"))
                .map(Integer::parseInt)
                .orElse(30);
        int page = Optional.ofNullable(queryValue(fullPath, "page"))
                .map(Integer::parseInt)
                .orElse(1);
        int from = Math.min(items.size(), (page - 1) * perPage);
        int to = Math.min(items.size(), from + perPage);
        Reply reply = Reply.json(200, items.subList(from, to));
        if (to < items.size()) {
            String path = fullPath.replaceAll("([?&])page=\\d+&?", "$1").replaceAll("[?&]$", "");
            String next = api() + path + (path.contains("?") ? "&" : "?") + "page=" + (page + 1);
            reply.headers().put("link", "<" + next + ">; rel=\"next\", <" + api() + path + "&page=1>; rel=\"first\"");
        }
        return reply;
    }

    private Reply hookDeliveries(String fullPath) {
        int perPage = Optional.ofNullable(queryValue(fullPath, "per_page"))
                .map(Integer::parseInt)
                .orElse(30);
        int from = Optional.ofNullable(queryValue(fullPath, "cursor"))
                .map(Integer::parseInt)
                .orElse(0);
        int to = Math.min(deliveries.size(), from + perPage);
        Reply reply = Reply.json(200, deliveries.subList(Math.min(from, to), to));
        if (to < deliveries.size()) {
            reply.headers()
                    .put(
                            "link",
                            "<" + api() + "/app/hook/deliveries?per_page=" + perPage + "&cursor=" + to
                                    + ">; rel=\"next\"");
        }
        return reply;
    }

    private Reply accessToken(long installationId, byte[] body) throws IOException {
        if (!installations.containsKey(installationId)) {
            throw new Refusal(404, "Not Found");
        }
        JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        Set<String> names = new java.util.TreeSet<>();
        json.path("repositories").forEach(n -> names.add(n.asText()));
        for (String name : names) {
            Repo repo = repos.get(installations.get(installationId) + "/" + name);
            if (repo == null || repo.installationId != installationId) {
                throw new Refusal(422, "There is at least one repository that does not exist or is not accessible");
            }
        }
        Map<String, String> permissions = new LinkedHashMap<>();
        json.path("permissions")
                .fields()
                .forEachRemaining(e -> permissions.put(e.getKey(), e.getValue().asText()));
        if (permissions.isEmpty()) {
            permissions.putAll(Map.of(
                    "metadata",
                    "read",
                    "contents",
                    "write",
                    "issues",
                    "write",
                    "pull_requests",
                    "write",
                    "checks",
                    "read",
                    "actions",
                    "read"));
        }
        // Opaque tokens of varying length, so no client can get away with assuming GitHub's current format.
        byte[] random = new byte[20 + RANDOM.nextInt(40)];
        RANDOM.nextBytes(random);
        String token = "ghs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Instant expires = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        tokens.put(token, new IssuedToken(installationId, Set.copyOf(names), Map.copyOf(permissions), expires));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("token", token);
        answer.put("expires_at", expires.toString());
        answer.put("permissions", permissions);
        answer.put("repository_selection", names.isEmpty() ? "all" : "selected");
        return Reply.json(201, contract.shape("installation-token", answer));
    }

    /** GitHub's App creation page, confirmed at once: redirects to the manifest's redirect_url with a code. */
    private void createApp(String state, String form, ServerResponse res) throws IOException {
        String manifest = "";
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("manifest")) {
                manifest = java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        String code = creationCodes.poll();
        if (manifest.isEmpty() || code == null) {
            res.status(Status.create(422)).send("no manifest, or no App creation arranged");
            return;
        }
        JsonNode parsed = JSON.readTree(manifest);
        postedManifests.add(parsed);
        String redirect = parsed.path("redirect_url").asText();
        res.status(Status.FOUND_302)
                .header(
                        HeaderNames.LOCATION,
                        redirect + "?code=" + java.net.URLEncoder.encode(code, StandardCharsets.UTF_8) + "&state="
                                + java.net.URLEncoder.encode(state, StandardCharsets.UTF_8))
                .send();
    }

    private Reply manifestConversion(String code) {
        PublicKey newKey = manifestKeys.remove(code);
        String pem = manifestCodes.remove(code);
        if (pem == null) {
            throw new Refusal(404, "Not Found");
        }
        long id = ids.incrementAndGet();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", id);
        fields.put("slug", "magicode");
        fields.put("name", "MagiCode");
        fields.put("html_url", web() + "/apps/magicode");
        fields.put("client_id", "Iv1.sim" + id);
        fields.put("client_secret", "simsecret-" + id + "-" + Long.toHexString(RANDOM.nextLong()));
        String secret = "whsec-" + Long.toHexString(RANDOM.nextLong());
        fields.put("webhook_secret", secret);
        // The new App's webhook is signed with the secret the conversion hands out, as on GitHub.
        webhookSecret = secret.getBytes(StandardCharsets.UTF_8);
        fields.put("pem", pem);
        fields.put("owner", user("acme"));
        ObjectNode integration = contract.shape("integration", fields);
        if (newKey != null) {
            withApp(id, newKey);
            createdApp = integration.deepCopy();
        }
        return Reply.json(201, integration);
    }

    // --- shapes --------------------------------------------------------------------------------

    private ObjectNode user(String login) {
        return contract.shape(
                "simple-user", Map.of("login", login, "id", Math.abs(login.hashCode()) % 100000 + 1, "type", "User"));
    }

    private ObjectNode installation(long id, String account) {
        return contract.shape(
                "installation",
                Map.of(
                        "id",
                        id,
                        "account",
                        user(account),
                        "target_type",
                        "Organization",
                        "app_id",
                        appId == 0 ? 1 : appId,
                        "app_slug",
                        "magicode",
                        "access_tokens_url",
                        api() + "/app/installations/" + id + "/access_tokens",
                        "repositories_url",
                        api() + "/installation/repositories",
                        "html_url",
                        web() + "/organizations/" + account + "/settings/installations/" + id));
    }

    private ObjectNode repository(Repo repo) {
        return contract.shape(
                "repository",
                Map.of(
                        "id",
                        repo.id,
                        "name",
                        repo.name,
                        "full_name",
                        repo.fullName(),
                        "private",
                        true,
                        "default_branch",
                        "main",
                        "owner",
                        user(repo.owner),
                        "html_url",
                        web() + "/" + repo.fullName(),
                        "url",
                        api() + "/repos/" + repo.fullName()));
    }

    private ObjectNode reaction(String content) {
        return contract.shape(
                "reaction", Map.of("id", ids.incrementAndGet(), "content", content, "user", user("magicode[bot]")));
    }

    private ObjectNode pullRequest(
            Repo repo, long number, String title, String body, String head, String sha, String base, boolean draft) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", ids.incrementAndGet());
        fields.put("node_id", "PR_" + number);
        fields.put("number", number);
        fields.put("state", "open");
        fields.put("title", title);
        fields.put("body", body);
        fields.put("draft", draft);
        fields.put("user", user("magicode[bot]"));
        fields.put("html_url", web() + "/" + repo.fullName() + "/pull/" + number);
        fields.put(
                "head",
                Map.of(
                        "ref",
                        head,
                        "sha",
                        sha,
                        "label",
                        repo.owner + ":" + head,
                        "user",
                        user(repo.owner),
                        "repo",
                        repository(repo)));
        fields.put(
                "base",
                Map.of(
                        "ref",
                        base,
                        "sha",
                        refSha(repo, base).orElse(sha),
                        "label",
                        repo.owner + ":" + base,
                        "user",
                        user(repo.owner),
                        "repo",
                        repository(repo)));
        return contract.shape("pull-request", fields);
    }

    private ObjectNode pullRequestSimple(ObjectNode pr) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (String field : List.of(
                "id", "node_id", "number", "state", "title", "body", "draft", "user", "html_url", "head", "base")) {
            fields.put(field, pr.get(field));
        }
        return contract.shape("pull-request-simple", fields);
    }

    // --- GraphQL -------------------------------------------------------------------------------

    private Reply graphql(Map<String, String> headers, byte[] body) throws IOException {
        IssuedToken token = requireToken(headers);
        JsonNode request = JSON.readTree(body);
        String query = request.path("query").asText();
        JsonNode variables = request.path("variables");
        for (Repo repo : repos.values()) {
            if (repo.installationId != token.installationId()) {
                continue;
            }
            if (query.contains("resolveReviewThread")) {
                String id = variables.path("id").asText();
                if (repo.threads.containsKey(id)) {
                    need(token, "pull_requests", "write");
                    repo.threads.put(id, true);
                    return Reply.json(
                            200,
                            Map.of(
                                    "data",
                                    Map.of("resolveReviewThread", Map.of("thread", Map.of("isResolved", true)))));
                }
            } else if (query.contains("markPullRequestReadyForReview") || query.contains("convertPullRequestToDraft")) {
                boolean draft = query.contains("convertPullRequestToDraft");
                for (ObjectNode pr : repo.pulls.values()) {
                    if (pr.path("node_id").asText().equals(variables.path("id").asText())) {
                        need(token, "pull_requests", "write");
                        pr.put("draft", draft);
                        return Reply.json(
                                200,
                                Map.of(
                                        "data",
                                        Map.of(
                                                draft ? "convertPullRequestToDraft" : "markPullRequestReadyForReview",
                                                Map.of("pullRequest", Map.of("isDraft", draft)))));
                    }
                }
            } else if (query.contains("reviewThreads")
                    && repo.owner.equals(variables.path("owner").asText())
                    && repo.name.equals(variables.path("name").asText())) {
                List<Object> nodes = new ArrayList<>();
                long pull = variables.path("number").asLong();
                for (Map.Entry<String, Long> thread : repo.threadFirstComment.entrySet()) {
                    boolean inPull = repo.reviewComments.getOrDefault(pull, List.of()).stream()
                            .anyMatch(c -> c.path("id").asLong() == thread.getValue());
                    if (inPull) {
                        nodes.add(Map.of(
                                "id",
                                thread.getKey(),
                                "isResolved",
                                repo.threads.get(thread.getKey()),
                                "comments",
                                Map.of("nodes", List.of(Map.of("databaseId", thread.getValue())))));
                    }
                }
                return Reply.json(
                        200,
                        Map.of(
                                "data",
                                Map.of(
                                        "repository",
                                        Map.of("pullRequest", Map.of("reviewThreads", Map.of("nodes", nodes))))));
            }
        }
        return Reply.json(200, Map.of("errors", List.of(Map.of("message", "Could not resolve to a node"))));
    }

    // --- credentials ---------------------------------------------------------------------------

    private void requireAppJwt(Map<String, String> headers) {
        String authorization = headers.getOrDefault("authorization", "");
        if (!authorization.startsWith("Bearer ")) {
            throw refuse(401, "A JSON web token could not be decoded");
        }
        String[] parts = authorization.substring("Bearer ".length()).split("\\.");
        try {
            if (parts.length != 3) {
                throw refuse(401, "A JSON web token could not be decoded");
            }
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(appKey);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!"RS256".equals(header.path("alg").asText())
                    || !signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                throw refuse(401, "A JSON web token could not be decoded");
            }
            long now = Instant.now().getEpochSecond();
            long iat = claims.path("iat").asLong();
            long exp = claims.path("exp").asLong();
            if (!claims.path("iss").asText().equals(Long.toString(appId))) {
                throw refuse(401, "'Issuer' claim ('iss') must be an Integer");
            }
            if (exp - iat > 600 || iat > now + 5 || exp <= now) {
                throw refuse(401, "'Expiration time' claim ('exp') is too far in the future");
            }
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw refuse(401, "A JSON web token could not be decoded");
        }
    }

    private IssuedToken requireToken(Map<String, String> headers) {
        String authorization = headers.getOrDefault("authorization", "");
        String value = authorization.startsWith("token ")
                ? authorization.substring(6)
                : authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
        return valid(value).orElseThrow(() -> refuse(401, "Bad credentials"));
    }

    private Optional<IssuedToken> valid(String value) {
        IssuedToken token = tokens.get(value);
        if (token == null || !Instant.now().isBefore(token.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(token);
    }

    private Refusal refuse(int status, String message) {
        violations.add("refused credentials: " + message);
        return new Refusal(status, message);
    }

    private static void need(IssuedToken token, String permission, String level) {
        String granted = token.permissions().get(permission);
        boolean ok = permission.equals("metadata")
                || "write".equals(granted)
                || ("read".equals(level) && "read".equals(granted));
        if (!ok) {
            throw new Refusal(403, "Resource not accessible by integration");
        }
    }

    // --- Git smart HTTP ------------------------------------------------------------------------

    private void git(ServerRequest req, ServerResponse res, String fullName, String endpoint) throws IOException {
        Repo repo = repos.get(fullName);
        String service =
                endpoint.equals("info/refs") ? req.query().first("service").orElse("") : endpoint;
        Optional<IssuedToken> token =
                basicToken(req.headers().value(HeaderNames.AUTHORIZATION).orElse(""));
        boolean write = service.equals("git-receive-pack");
        if (repo == null
                || token.isEmpty()
                || token.get().installationId() != repo.installationId
                || (!token.get().repositories().isEmpty()
                        && !token.get().repositories().contains(repo.name))
                || (write && !"write".equals(token.get().permissions().get("contents")))) {
            res.status(Status.UNAUTHORIZED_401)
                    .header(HeaderNames.WWW_AUTHENTICATE, "Basic realm=\"GitHub\"")
                    .send();
            return;
        }
        gitRequests.add(fullName + " " + service);
        try (Repository db = new FileRepositoryBuilder()
                .setGitDir(repo.gitDir.toFile())
                .setMustExist(true)
                .build()) {
            if (endpoint.equals("info/refs")) {
                res.header(HeaderNames.CONTENT_TYPE, "application/x-" + service + "-advertisement");
                res.header(HeaderNames.CACHE_CONTROL, "no-cache");
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                PacketLineOut out = new PacketLineOut(buffer);
                out.writeString("# service=" + service + "\n");
                out.end();
                RefAdvertiser.PacketLineOutRefAdvertiser advertiser = new RefAdvertiser.PacketLineOutRefAdvertiser(out);
                if (write) {
                    ReceivePack pack = new ReceivePack(db);
                    pack.setBiDirectionalPipe(false);
                    pack.sendAdvertisedRefs(advertiser);
                } else {
                    UploadPack pack = new UploadPack(db);
                    pack.setBiDirectionalPipe(false);
                    pack.sendAdvertisedRefs(advertiser);
                }
                res.send(buffer.toByteArray());
                return;
            }
            byte[] body = req.content().as(byte[].class);
            InputStream in = new ByteArrayInputStream(body);
            if (body.length > 1 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b) {
                // Still gzipped (JGit compresses larger requests) when the server did not decode it.
                in = new GZIPInputStream(in);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (write) {
                ReceivePack pack = new ReceivePack(db);
                pack.setBiDirectionalPipe(false);
                pack.setPreReceiveHook((rp, commands) -> {
                    for (ReceiveCommand command : commands) {
                        String branch = command.getRefName().replaceFirst("^refs/heads/", "");
                        boolean ruled = repo.rulesets.stream().anyMatch(p -> glob(p).matches(Path.of(branch)));
                        if (repo.protectedBranches.contains(branch) || ruled) {
                            command.setResult(
                                    ReceiveCommand.Result.REJECTED_OTHER_REASON, "protected branch hook declined");
                        }
                    }
                });
                pack.setPostReceiveHook((rp, commands) -> {
                    for (ReceiveCommand command : commands) {
                        if (command.getResult() == ReceiveCommand.Result.OK) {
                            repo.pushes.add(command.getRefName().replaceFirst("^refs/heads/", "") + "="
                                    + command.getNewId().name());
                            deliverPush(repo, db, command);
                        }
                    }
                });
                pack.receive(in, out, null);
                res.header(HeaderNames.CONTENT_TYPE, "application/x-git-receive-pack-result");
            } else {
                UploadPack pack = new UploadPack(db);
                pack.setBiDirectionalPipe(false);
                pack.upload(in, out, null);
                res.header(HeaderNames.CONTENT_TYPE, "application/x-git-upload-pack-result");
            }
            res.send(out.toByteArray());
        }
    }

    private Optional<IssuedToken> basicToken(String authorization) {
        if (!authorization.startsWith("Basic ")) {
            return Optional.empty();
        }
        String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0 || !decoded.substring(0, colon).equals("x-access-token")) {
            return Optional.empty();
        }
        return valid(decoded.substring(colon + 1));
    }

    private static Optional<String> refSha(Repo repo, String branch) {
        try (Repository db = new FileRepositoryBuilder()
                .setGitDir(repo.gitDir.toFile())
                .setMustExist(true)
                .build()) {
            Ref ref = db.exactRef("refs/heads/" + branch);
            return Optional.ofNullable(ref).map(r -> r.getObjectId().name());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One entry of a recursive tree listing, as GitHub's git trees API describes it. */
    private record TreeEntry(String path, String mode, String type, String sha, long size) {}

    /**
     * Lists the tree of {@code treeIsh} (a commit or tree id, or a branch) recursively, directories included, as
     * GitHub does with {@code recursive=1}; the tree's id.
     */
    private static String listTree(Repo repo, String treeIsh, java.util.function.Consumer<TreeEntry> each) {
        try (Repository db = new FileRepositoryBuilder()
                        .setGitDir(repo.gitDir.toFile())
                        .setMustExist(true)
                        .build();
                org.eclipse.jgit.lib.ObjectReader reader = db.newObjectReader();
                org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(reader);
                org.eclipse.jgit.treewalk.TreeWalk tree = new org.eclipse.jgit.treewalk.TreeWalk(reader)) {
            ObjectId id = db.resolve(treeIsh + "^{tree}");
            if (id == null) {
                throw new Refusal(404, "Not Found");
            }
            tree.addTree(walk.parseTree(id));
            tree.setRecursive(false);
            while (tree.next()) {
                org.eclipse.jgit.lib.FileMode mode = tree.getFileMode(0);
                String type = mode == org.eclipse.jgit.lib.FileMode.TREE
                        ? "tree"
                        : mode == org.eclipse.jgit.lib.FileMode.GITLINK ? "commit" : "blob";
                long size = type.equals("blob")
                        ? reader.getObjectSize(tree.getObjectId(0), org.eclipse.jgit.lib.Constants.OBJ_BLOB)
                        : 0;
                each.accept(new TreeEntry(
                        tree.getPathString(),
                        String.format("%06o", mode.getBits()),
                        type,
                        tree.getObjectId(0).name(),
                        size));
                if (type.equals("tree")) {
                    tree.enterSubtree();
                }
            }
            return id.name();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<byte[]> readBlob(Repo repo, String sha) {
        try (Repository db = new FileRepositoryBuilder()
                .setGitDir(repo.gitDir.toFile())
                .setMustExist(true)
                .build()) {
            ObjectId id = ObjectId.fromString(sha);
            if (!db.getObjectDatabase().has(id)) {
                return Optional.empty();
            }
            org.eclipse.jgit.lib.ObjectLoader loader = db.open(id);
            return loader.getType() == org.eclipse.jgit.lib.Constants.OBJ_BLOB
                    ? Optional.of(loader.getBytes())
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<byte[]> readFile(Repo repo, String ref, String path) {
        try (Repository db = new FileRepositoryBuilder()
                .setGitDir(repo.gitDir.toFile())
                .setMustExist(true)
                .build()) {
            ObjectId commit = db.resolve(ref + "^{commit}");
            if (commit == null) {
                return Optional.empty();
            }
            try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(db);
                    org.eclipse.jgit.treewalk.TreeWalk tree = org.eclipse.jgit.treewalk.TreeWalk.forPath(
                            db, path, walk.parseCommit(commit).getTree())) {
                if (tree == null) {
                    return Optional.empty();
                }
                return Optional.of(db.open(tree.getObjectId(0)).getBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
