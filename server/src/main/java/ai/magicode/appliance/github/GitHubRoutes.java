package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code /api/v1/github/app-manifest}: the App manifest flow. {@code GET …/app-manifest} answers the manifest, a
 * one-time {@code state} and the GitHub URL to post them to; GitHub then sends the admin's browser to {@code GET
 * …/app-manifest/callback?code=…&state=…}, which completes {@code POST /app-manifests/{code}/conversions} and puts the
 * App's id, private key, webhook secret and client credentials into the vault (platform tenant). Superadmins only.
 * {@code GET/PUT …/github/app}: whether an App is registered, or an App created by hand (id, key, webhook secret;
 * write-only). {@code GET …/github/rate-limits}: the rate-limit budget GitHub last reported per credential scope.
 */
public final class GitHubRoutes implements HttpService {
    private static final Set<Role> SUPERADMINS = Set.of(Role.SUPERADMIN);
    private static final Set<Role> RATE_READERS = Set.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR, Role.AUDITOR);
    private static final Duration STATE_TTL = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final GitHub github;
    private final GitHubApp app;
    private final Vault vault;
    private final Supplier<URI> publicUrl;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final Map<String, Instant> states = new ConcurrentHashMap<>();

    public GitHubRoutes(
            GitHub github, GitHubApp app, Vault vault, Supplier<URI> publicUrl, Consumer<AuditEvent> audit) {
        this(github, app, vault, publicUrl, audit, Clock.systemUTC());
    }

    GitHubRoutes(
            GitHub github,
            GitHubApp app,
            Vault vault,
            Supplier<URI> publicUrl,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this.github = github;
        this.app = app;
        this.vault = vault;
        this.publicUrl = publicUrl;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/github/app-manifest", Access.roles(SUPERADMINS, this::manifest))
                .get("/github/app-manifest/callback", Access.roles(SUPERADMINS, this::callback))
                .get("/github/app", Access.roles(SUPERADMINS, this::app))
                .put("/github/app", Access.roles(SUPERADMINS, this::enter))
                .get("/github/rate-limits", Access.roles(RATE_READERS, this::rateLimits));
    }

    private void app(ServerRequest req, ServerResponse res) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("registered", app.registered());
        body.put("appId", app.appId().isPresent() ? app.appId().getAsLong() : null);
        body.put(
                "webhookSecret",
                vault.info(GitHubApp.TENANT, GitHubApp.WEBHOOK_SECRET).isPresent());
        body.put("apiUrl", github.config().apiUrl().toString());
        res.send(body);
    }

    /** An App created by hand: id, private key and webhook secret, all write-only. */
    private void enter(ServerRequest req, ServerResponse res) {
        Map<?, ?> body;
        try {
            body = req.content().as(Map.class);
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null) {
            throw ApiException.badRequest("The body must be a JSON object with appId, privateKey and webhookSecret.");
        }
        long id = body.get("appId") instanceof Number n && n.doubleValue() == n.longValue() ? n.longValue() : 0;
        String pem = body.get("privateKey") instanceof String text ? text : "";
        String webhookSecret = body.get("webhookSecret") instanceof String text ? text : "";
        Caller caller = Caller.of(req).orElseThrow();
        Actor actor = caller.kind() == Caller.Kind.API_TOKEN
                ? Actor.apiToken(caller.subject())
                : Actor.user(caller.subject());
        String requestId = RequestIds.of(req);
        try {
            app.enter(id, pem, webhookSecret, actor, requestId);
        } catch (GitHubException e) {
            audit.accept(AuditEvent.of("github.app.enter", id > 0 ? Long.toString(id) : "-")
                    .actor(actor)
                    .requestId(requestId)
                    .field("problem", e.getMessage())
                    .failure());
            throw ApiException.badRequest(e.getMessage() + ".");
        }
        audit.accept(AuditEvent.of("github.app.enter", Long.toString(id))
                .actor(actor)
                .requestId(requestId)
                .success());
        app(req, res);
    }

    private void rateLimits(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (GitHub.RateBudget budget : github.rateBudgets()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("scope", budget.scope());
            row.put("resource", budget.resource());
            row.put("limit", budget.limit());
            row.put("remaining", budget.remaining());
            row.put("reset", budget.reset().toString());
            row.put("seenAt", budget.seenAt().toString());
            rows.add(row);
        }
        res.send(Map.of("budgets", rows));
    }

    private void manifest(ServerRequest req, ServerResponse res) {
        String organization = req.query().first("organization").orElse("");
        if (!organization.isEmpty() && !organization.matches("[A-Za-z0-9][A-Za-z0-9-]{0,38}")) {
            throw ApiException.badRequest("organization must be a GitHub organization login.");
        }
        String name = req.query().first("name").orElse("MagiCode");
        if (!name.matches("[A-Za-z0-9 ._-]{1,34}")) {
            throw ApiException.badRequest("name must be 1 to 34 letters, digits, spaces, '.', '_' or '-'.");
        }
        boolean actionsRead =
                Boolean.parseBoolean(req.query().first("actions-read").orElse("false"));
        Instant now = clock.instant();
        states.values().removeIf(expiry -> expiry.isBefore(now));
        String state = HexFormat.of().formatHex(random());
        states.put(state, now.plus(STATE_TTL));
        String web = github.config().webUrl().toString();
        String createUrl = (organization.isEmpty()
                        ? web + "/settings/apps/new"
                        : web + "/organizations/" + organization + "/settings/apps/new")
                + "?state=" + URLEncoder.encode(state, StandardCharsets.UTF_8);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("manifest", AppManifest.create(publicUrl.get(), name, actionsRead));
        body.put("state", state);
        body.put("createUrl", createUrl);
        res.send(body);
    }

    private void callback(ServerRequest req, ServerResponse res) {
        String code = req.query().first("code").orElseThrow(() -> ApiException.badRequest("code is missing."));
        String state = req.query().first("state").orElseThrow(() -> ApiException.badRequest("state is missing."));
        Instant expiry = states.remove(state);
        if (expiry == null || expiry.isBefore(clock.instant())) {
            throw ApiException.badRequest("state is unknown or expired: start again from the manifest.");
        }
        Caller caller = Caller.of(req).orElseThrow();
        Actor actor = caller.kind() == Caller.Kind.API_TOKEN
                ? Actor.apiToken(caller.subject())
                : Actor.user(caller.subject());
        String requestId = RequestIds.of(req);
        JsonNode registration = github.convertManifest(code);
        long id = app.register(registration, actor, requestId);
        audit.accept(AuditEvent.of("github.app.register", Long.toString(id))
                .actor(actor)
                .requestId(requestId)
                .field("slug", registration.path("slug").asText(""))
                .success());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("appId", id);
        body.put("slug", registration.path("slug").asText(""));
        body.put("name", registration.path("name").asText(""));
        body.put("htmlUrl", registration.path("html_url").asText(""));
        res.send(body);
    }

    private static byte[] random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
