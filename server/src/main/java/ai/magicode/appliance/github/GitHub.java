package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.GitHubConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The appliance's GitHub client as the App: installations and their repositories, hook deliveries, the manifest
 * conversion, and {@link #repository} for calls on one repository with a narrowed installation token.
 */
public final class GitHub {
    /**
     * An installation of the App.
     *
     * @param id installation id
     * @param account the user or organization login it is installed on
     * @param accountType {@code User} or {@code Organization}
     * @param suspended whether it is suspended
     * @param appSlug the App's slug ({@code app_slug}): its bot user is {@code <slug>[bot]}; empty when not given
     */
    public record Installation(long id, String account, String accountType, boolean suspended, String appSlug) {}

    /**
     * A repository an installation can reach.
     *
     * @param id GitHub's id
     * @param name owner/name
     * @param isPrivate whether it is private
     * @param defaultBranch its default branch
     */
    public record Repository(long id, RepoName name, boolean isPrivate, String defaultBranch) {}

    /**
     * One attempt to deliver a webhook to the appliance, as GitHub lists them.
     *
     * @param id the attempt's id (for redelivery)
     * @param guid the {@code X-GitHub-Delivery} of the event (shared by redeliveries)
     * @param deliveredAt when
     * @param redelivery whether this attempt was a redelivery
     * @param statusCode the HTTP status the appliance answered (0: no answer)
     * @param event event name
     */
    public record HookDelivery(
            long id, String guid, Instant deliveredAt, boolean redelivery, int statusCode, String event) {
        /** Whether the appliance acknowledged this attempt with a 2xx. */
        public boolean delivered() {
            return statusCode >= 200 && statusCode < 300;
        }
    }

    /**
     * The primary rate limit GitHub last reported for one credential scope ({@code app} or {@code installation:ID}).
     *
     * @param resource GitHub's {@code x-ratelimit-resource} ({@code core} for REST)
     * @param limit requests allowed per window (0 when GitHub did not say)
     * @param seenAt when the answer carrying these values arrived
     */
    public record RateBudget(
            String scope, String resource, long limit, long remaining, Instant reset, Instant seenAt) {}

    private final RestClient rest;
    private final GitHubApp app;
    private final InstallationTokens tokens;
    private final CollaboratorPermissions collaboratorPermissions;

    /** A client for the App on the configured server; every write reported to {@code audit}. */
    public GitHub(GitHubConfig config, GitHubApp app, Consumer<AuditEvent> audit) {
        this(new RestClient(config, audit), app, Clock.systemUTC());
    }

    GitHub(RestClient rest, GitHubApp app, Clock clock) {
        this.rest = rest;
        this.app = app;
        this.tokens = new InstallationTokens(app, rest, clock);
        this.collaboratorPermissions = new CollaboratorPermissions(clock);
    }

    /** The rate-limit budgets GitHub last reported, per credential scope. */
    public List<RateBudget> rateBudgets() {
        return rest.budgets();
    }

    /** The App's installation tokens (cached, narrowed). */
    public InstallationTokens tokens() {
        return tokens;
    }

    GitHubConfig config() {
        return rest.config();
    }

    /** Every installation of the App. */
    public List<Installation> installations() {
        return rest.list(appCall("GET", "/app/installations?per_page=100"), null).stream()
                .map(GitHub::installation)
                .toList();
    }

    /** The installation that covers a repository, if the App is installed there. */
    public Optional<Installation> installationFor(RepoName repo) {
        try {
            return Optional.of(installation(rest.send(appCall("GET", "/repos/" + repo + "/installation"))
                    .json()));
        } catch (GitHubException e) {
            if (e.status().orElse(0) == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The repositories an installation can reach (with a token of the installation's own, metadata-only, scope). */
    public List<Repository> repositories(long installationId) {
        String token =
                tokens.token(installationId, null, Map.of("metadata", "read")).value();
        return rest
                .list(
                        new RestClient.Call(
                                "GET",
                                rest.api("/installation/repositories?per_page=100"),
                                "token " + token,
                                "installation:" + installationId,
                                null,
                                null),
                        "repositories")
                .stream()
                .map(GitHub::repository)
                .toList();
    }

    /**
     * Calls on one repository with a token narrowed to it and {@code permissions}.
     *
     * @param tenant the tenant the calls are audited under
     */
    public RepoClient repository(String tenant, long installationId, RepoName repo, Map<String, String> permissions) {
        return new RepoClient(rest, tokens, collaboratorPermissions, tenant, installationId, repo, permissions);
    }

    /** Recent webhook delivery attempts to the App's hook, newest first, as far back as {@code since}. */
    public List<HookDelivery> hookDeliveries(Instant since) {
        List<HookDelivery> deliveries = new java.util.ArrayList<>();
        URI url = rest.api("/app/hook/deliveries?per_page=100");
        while (url != null) {
            RestClient.Answer answer =
                    rest.send(new RestClient.Call("GET", url, app.authorization(), "app", null, null));
            boolean older = false;
            for (JsonNode node : answer.json()) {
                HookDelivery delivery = delivery(node);
                if (delivery.deliveredAt().isBefore(since)) {
                    older = true;
                    continue;
                }
                deliveries.add(delivery);
            }
            url = older ? null : RestClient.nextLink(answer.header("link").orElse(null));
        }
        return deliveries;
    }

    /** Asks GitHub to deliver an attempt's event again. */
    public void redeliver(HookDelivery delivery) {
        rest.send(new RestClient.Call(
                "POST",
                rest.api("/app/hook/deliveries/" + delivery.id() + "/attempts"),
                app.authorization(),
                "app",
                null,
                AuditEvent.of("github.hook-delivery.redeliver", delivery.guid())
                        .field("deliveryId", delivery.id())
                        .field("event", delivery.event())));
    }

    /**
     * Completes the manifest flow: exchanges the one-time code for the new App's registration. The answer holds
     * secrets (key, webhook secret, client secret): the caller stores them in the vault and drops the rest.
     */
    JsonNode convertManifest(String code) {
        if (!code.matches("[A-Za-z0-9_-]{1,200}")) {
            throw new GitHubException("The manifest code is not in GitHub's form");
        }
        return rest.send(new RestClient.Call(
                        "POST",
                        rest.api("/app-manifests/" + code + "/conversions"),
                        null,
                        "manifest",
                        null,
                        AuditEvent.of("github.app-manifest.convert", "-")))
                .json();
    }

    private RestClient.Call appCall(String method, String path) {
        return new RestClient.Call(method, rest.api(path), app.authorization(), "app", null, null);
    }

    static Installation installation(JsonNode json) {
        JsonNode account = json.path("account");
        return new Installation(
                json.path("id").asLong(),
                account.path("login").asText(account.path("slug").asText("")),
                json.path("target_type").asText(account.path("type").asText("")),
                !json.path("suspended_at").isMissingNode()
                        && !json.path("suspended_at").isNull(),
                json.path("app_slug").asText(""));
    }

    static Repository repository(JsonNode json) {
        return new Repository(
                json.path("id").asLong(),
                RepoName.parse(json.path("full_name").asText()),
                json.path("private").asBoolean(),
                json.path("default_branch").asText("main"));
    }

    static HookDelivery delivery(JsonNode json) {
        Instant at;
        try {
            at = Instant.parse(json.path("delivered_at").asText(""));
        } catch (DateTimeParseException e) {
            at = Instant.EPOCH;
        }
        return new HookDelivery(
                json.path("id").asLong(),
                json.path("guid").asText(""),
                at,
                json.path("redelivery").asBoolean(),
                json.path("status_code").asInt(0),
                json.path("event").asText(""));
    }
}
