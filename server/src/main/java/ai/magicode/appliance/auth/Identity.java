package ai.magicode.appliance.auth;

import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.AuthConfig;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The identity feature assembled: who the caller is (OIDC bearer tokens, API tokens, console sessions),
 * first-run setup, local break-glass login, API tokens and tenants. {@code Appliance} installs its
 * {@link #filter()} before the routes and registers {@link #api()} under {@code /api/v1} and
 * {@link #console()} under {@code /auth}.
 */
public final class Identity {
    private static final System.Logger LOG = System.getLogger(Identity.class.getName());

    private final Optional<OidcProvider> provider;
    private final Optional<BearerTokens> bearer;
    private final Authentication authentication;
    private final AuthRoutes authRoutes;
    private final TokenRoutes tokenRoutes;
    private final TenantRoutes tenantRoutes;
    private final UserRoutes userRoutes;
    private final Optional<ConsoleLogin> console;
    private final Tenants tenants;
    private final Sessions sessions;
    private final ApiTokens apiTokens;
    private final LocalUsers localUsers;

    /**
     * @param config the {@code auth} section
     * @param store where tenants, local users and API tokens live
     * @param setupToken the one-time token of first-run setup
     * @param publicUrl the console URL users reach, when configured
     * @param secureCookies whether the listener speaks HTTPS (cookies get {@code Secure})
     * @param audit where auditable actions go
     */
    public Identity(
            AuthConfig config,
            ApplianceStore store,
            SetupToken setupToken,
            Optional<URI> publicUrl,
            boolean secureCookies,
            Consumer<AuditEvent> audit) {
        Clock clock = Clock.systemUTC();
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(OidcProvider.TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.tenants = new Tenants(store);
        this.sessions = new Sessions(config.sessionTtl(), clock);
        this.apiTokens = new ApiTokens(store, clock);
        this.localUsers = new LocalUsers(store);
        this.provider = config.issuer()
                .map(issuer -> new OidcProvider(config.discoveryUrl().orElseThrow(), issuer.toString(), http, clock));
        Optional<Jwks> keys = provider.map(
                oidc -> new Jwks(() -> oidc.get(oidc.metadata().jwksUri()), config.jwksRefetchInterval(), clock));
        this.bearer = provider.map(oidc -> new BearerTokens(
                config.issuer().orElseThrow().toString(),
                config.audience(),
                config.clientId(),
                config.algorithms(),
                config.clockSkew(),
                keys.orElseThrow(),
                new ClaimMapping(config)));
        this.authentication = new Authentication(bearer, apiTokens, sessions, tenants, rejection -> {
            rejected(rejection.reason());
            audit.accept(AuditEvent.of("auth.authenticate", rejection.requestPath())
                    .actor(Actor.anonymous())
                    .requestId(RequestIds.of(rejection.request()))
                    .field("credential", rejection.kind())
                    .field("reason", rejection.reason())
                    .denied());
        });
        this.authRoutes =
                new AuthRoutes(setupToken, localUsers, tenants, sessions, config.localLogin(), secureCookies, audit);
        this.tokenRoutes = new TokenRoutes(apiTokens, audit);
        this.tenantRoutes = new TenantRoutes(tenants, audit);
        this.userRoutes = new UserRoutes(localUsers, sessions, apiTokens, tenants, config, audit);
        Optional<String> clientSecret = config.clientSecretFile().map(Identity::readSecret);
        this.console = provider.map(oidc -> new ConsoleLogin(
                oidc,
                config.clientId(),
                clientSecret,
                config.algorithms(),
                config.clockSkew(),
                keys.orElseThrow(),
                bearer.orElseThrow(),
                sessions,
                tenants,
                publicUrl,
                secureCookies,
                http,
                clock,
                audit));
        provider.ifPresent(oidc -> Metrics.globalRegistry()
                .getOrCreate(Gauge.builder(
                                "auth.oidc.available", () -> oidc.problem().isEmpty() ? 1 : 0)
                        .description("1 when the OIDC provider's metadata could be read, else 0")));
        if (provider.isEmpty()) {
            LOG.log(WARNING, "No OIDC provider configured (auth.issuer): only local login and API tokens work");
        }
    }

    /** Attaches the caller of each {@code /api/} request; install it before the routes. */
    public Filter filter() {
        return authentication;
    }

    /** The identity routes under {@code /api/v1}. */
    public HttpService api() {
        return rules -> {
            authRoutes.routing(rules);
            tokenRoutes.routing(rules);
            tenantRoutes.routing(rules);
            userRoutes.routing(rules);
        };
    }

    /** The console login routes under {@code /auth} (not API routes: they redirect browsers). */
    public HttpService console() {
        return rules -> console.ifPresentOrElse(
                login -> login.routing(rules),
                () -> rules.any((req, res) -> res.status(404)
                        .header("Content-Type", "application/problem+json")
                        .send("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                                + "\"detail\":\"No OIDC provider is configured.\",\"requestId\":\""
                                + RequestIds.of(req) + "\"}")));
    }

    /** Whether a tenant named {@code name} exists. */
    public boolean tenantExists(String name) {
        return tenants.find(name).isPresent();
    }

    /**
     * Shuts a tenant out before its deletion: disables it (its callers are refused from now on), ends its console
     * sessions and removes its API tokens. Idempotent.
     */
    public void shutOut(String tenant) {
        tenants.setEnabled(tenant, false);
        sessions.endAll(tenant);
        apiTokens.erase(tenant);
    }

    /**
     * Whether {@code user} (a subject such as {@code local:alice}, or an OIDC subject) is known in {@code tenant}: a
     * local user, or the owner of a session or API token there. OIDC users are not stored otherwise.
     */
    public boolean userKnown(String tenant, String user) {
        return localUsers.exists(tenant, user)
                || sessions.has(tenant, user)
                || apiTokens.list(tenant).stream()
                        .anyMatch(token -> token.owner().equals(user));
    }

    /**
     * Refuses (with a 403 or 409 {@code ApiException}) the deletion of {@code user} of {@code tenant} by {@code
     * caller} when it breaks a user-management rule: only a superadmin removes a superadmin's account, and the last
     * enabled local admin of a tenant (or the last superadmin) cannot remove themselves.
     */
    public void requireRemovable(Caller caller, String tenant, String user) {
        userRoutes.requireRemovable(caller, tenant, user);
    }

    /** The tenant data identity keeps: tenants, local users, API tokens, console sessions, first-run setup. */
    public List<TenantData> tenantData() {
        return List.of(
                new TenantData(
                                "auth.local-users",
                                "store section auth.local-users",
                                "until the user or the tenant is deleted",
                                "break-glass local login: user name, roles and an Argon2id password hash",
                                List.of("store:auth.local-users"),
                                (tenant, sink) -> sink.add(
                                        "auth/local-users.json",
                                        localUsers.list(tenant).stream()
                                                .map(user -> Map.of(
                                                        "username", user.username(),
                                                        "roles", user.roleNames(),
                                                        "createdAt",
                                                                user.createdAt().toString()))
                                                .toList()),
                                localUsers::erase)
                        .erasingUsers(localUsers::eraseUser)
                        .exportingUser((tenant, user, sink) -> sink.add(
                                "auth/local-user.json",
                                localUsers.list(tenant).stream()
                                        .filter(local -> ("local:" + local.username()).equals(user))
                                        .map(local -> Map.of(
                                                "username", local.username(),
                                                "roles", local.roleNames(),
                                                "createdAt", local.createdAt().toString()))
                                        .toList())),
                new TenantData(
                                "auth.api-tokens",
                                "store section auth.api-tokens",
                                "until revoked tokens are deleted with their tenant (expired and revoked tokens stay listed)",
                                "authenticate API callers: id, owner, name, scopes, SHA-256 of the token, times",
                                List.of("store:auth.api-tokens"),
                                (tenant, sink) -> sink.add(
                                        "auth/api-tokens.json",
                                        apiTokens.list(tenant).stream()
                                                .map(Identity::describe)
                                                .toList()),
                                apiTokens::erase)
                        .erasingUsers(apiTokens::eraseOwnedBy)
                        .exportingUser((tenant, user, sink) -> sink.add(
                                "auth/api-tokens.json",
                                apiTokens.list(tenant).stream()
                                        .filter(token -> token.owner().equals(user))
                                        .map(Identity::describe)
                                        .toList())),
                new TenantData(
                                "auth.sessions",
                                "process memory (never written to disk)",
                                "auth.session-ttl, and never past a restart",
                                "keep console users signed in",
                                List.of(),
                                (tenant, sink) -> {},
                                sessions::endAll)
                        .erasingUsers(sessions::endAll)
                        .exportingUser((tenant, user, sink) -> sink.add(
                                "auth/sessions.json",
                                sessions.of(tenant, user).stream()
                                        .map(session -> Map.of(
                                                "login", session.idToken().isPresent() ? "oidc" : "local",
                                                "roles",
                                                        session.caller().roles().stream()
                                                                .map(role -> role.name()
                                                                        .toLowerCase(java.util.Locale.ROOT))
                                                                .sorted()
                                                                .toList(),
                                                "startedAt",
                                                        session.expiresAt()
                                                                .minus(sessions.ttl())
                                                                .toString(),
                                                "expiresAt", session.expiresAt().toString()))
                                        .toList())),
                TenantData.platform(
                        "auth.setup",
                        "store section auth.setup",
                        "until first-run setup is done",
                        "the one-time setup token's hash (no tenant data)",
                        List.of("store:auth.setup")),
                // Last: deletion erases in registration order, and the tenant record is what a resumed deletion finds.
                new TenantData(
                        "auth.tenants",
                        "store section auth.tenants",
                        "until the tenant is deleted",
                        "the tenant itself: name, enabled, creation time",
                        List.of("store:auth.tenants"),
                        (tenant, sink) -> tenants.find(tenant)
                                .ifPresent(t -> sink.add(
                                        "tenant.json",
                                        Map.of(
                                                "name", t.name(),
                                                "enabled", t.enabled(),
                                                "createdAt", t.createdAt().toString()))),
                        tenants::remove));
    }

    private static Map<String, Object> describe(ApiTokens.ApiToken token) {
        Map<String, Object> described = new java.util.LinkedHashMap<>();
        described.put("id", token.id());
        described.put("kind", token.kind().name().toLowerCase(java.util.Locale.ROOT));
        described.put("owner", token.owner());
        described.put("name", token.name());
        described.put("scopes", token.scopeNames());
        described.put("createdAt", token.createdAt().toString());
        described.put("expiresAt", token.expiresAt().toString());
        described.put("lastUsedAt", String.valueOf(token.lastUsedAt()));
        described.put("revokedAt", String.valueOf(token.revokedAt()));
        return described;
    }

    /** What is wrong with the OIDC provider, if one is configured and it cannot be reached. */
    public Optional<String> oidcProblem() {
        return provider.flatMap(OidcProvider::problem);
    }

    /** Whether an OIDC provider is configured. */
    public boolean oidcConfigured() {
        return provider.isPresent();
    }

    private static void rejected(String reason) {
        Metrics.globalRegistry()
                .getOrCreate(Counter.builder("auth.rejected")
                        .description("Credentials refused, by reason")
                        .tags(List.of(Tag.create("reason", reason))))
                .increment();
    }

    private static String readSecret(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read auth.client-secret-file " + file, e);
        }
    }
}
