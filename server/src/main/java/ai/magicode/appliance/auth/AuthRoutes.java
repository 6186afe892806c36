package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * First-run setup, local (break-glass) login and logout, and who-am-I, under {@code /api/v1}:
 * {@code POST /setup}, {@code POST /auth/login}, {@code POST /auth/logout}, {@code GET /auth/me},
 * {@code PUT /auth/local-login}.
 */
final class AuthRoutes implements HttpService {
    static final String LOGIN_PATH = "/api/v1/auth/login";
    private static final Pattern USERNAME = UserRoutes.USERNAME;
    private static final int MIN_PASSWORD = UserRoutes.MIN_PASSWORD;

    private final SetupToken setupToken;
    private final LocalUsers users;
    private final Tenants tenants;
    private final Sessions sessions;
    private final boolean localLoginConfigured;
    private final boolean secureCookies;
    private final Consumer<AuditEvent> audit;

    AuthRoutes(
            SetupToken setupToken,
            LocalUsers users,
            Tenants tenants,
            Sessions sessions,
            boolean localLoginConfigured,
            boolean secureCookies,
            Consumer<AuditEvent> audit) {
        this.setupToken = setupToken;
        this.users = users;
        this.tenants = tenants;
        this.sessions = sessions;
        this.localLoginConfigured = localLoginConfigured;
        this.secureCookies = secureCookies;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/setup", Access.open(this::setup))
                .post("/auth/login", Access.open(this::login))
                .post("/auth/logout", Access.authenticated(this::logout))
                .get("/auth/me", Access.authenticated(this::me))
                .put("/auth/local-login", Access.roles(Set.of(Role.SUPERADMIN), this::localLogin));
    }

    private void setup(ServerRequest req, ServerResponse res) {
        JsonBody body = JsonBody.of(req);
        String username = body.string("username");
        String password = body.string("password");
        String tenant = body.string("tenant");
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("The username is 1 to 64 letters, digits and . _ @ -.");
        }
        if (password.length() < MIN_PASSWORD) {
            throw ApiException.badRequest("The password needs at least " + MIN_PASSWORD + " characters.");
        }
        if (!Tenants.NAME.matcher(tenant).matches()) {
            throw ApiException.badRequest("A tenant name is 1 to 63 lower-case letters, digits and inner dashes.");
        }
        // Validated first, so that a typo does not burn the one-time token.
        if (!setupToken.consume(body.string("token"))) {
            audit.accept(AuditEvent.of("auth.setup", username)
                    .actor(Actor.anonymous())
                    .requestId(RequestIds.of(req))
                    .denied());
            throw new ApiException(403, "Forbidden", "The setup token is wrong or was already used.");
        }
        tenants.create(tenant);
        users.create(username, tenant, EnumSet.of(Role.SUPERADMIN, Role.ADMIN), password.toCharArray());
        audit.accept(AuditEvent.of("auth.setup", username)
                .tenant(tenant)
                .actor(Actor.user("local:" + username))
                .requestId(RequestIds.of(req))
                .field("roles", "superadmin,admin")
                .success());
        res.status(Status.CREATED_201).send(Map.of("username", username, "tenant", tenant));
    }

    private void login(ServerRequest req, ServerResponse res) {
        JsonBody body = JsonBody.of(req);
        String username = body.string("username");
        String password = body.string("password");
        if (!localLoginEnabled()) {
            audit.accept(event("auth.login.local", username, req, AuditEvent.PLATFORM)
                    .field("reason", "disabled")
                    .denied());
            throw new ApiException(403, "Forbidden", "Local login is disabled on this appliance.");
        }
        Optional<LocalUsers.LocalUser> user = users.authenticate(username, password.toCharArray());
        if (user.isEmpty()) {
            audit.accept(event("auth.login.local", username, req, AuditEvent.PLATFORM)
                    .actor(Actor.anonymous())
                    .field("reason", "credentials")
                    .failure());
            throw new ApiException(401, "Unauthorized", "Wrong username or password.");
        }
        Caller caller = new Caller(
                user.get().tenant(),
                "local:" + username,
                Caller.Kind.USER,
                user.get().roles());
        String id = sessions.start(caller, Optional.empty());
        Sessions.Session session = sessions.find(id).orElseThrow();
        res.headers().addCookie(sessionCookie(id, sessions.ttl(), secureCookies));
        audit.accept(event("auth.login.local", username, req, caller.tenant()).success());
        res.send(describe(caller, Optional.of(session.csrf())));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        req.headers().cookies().first(Authentication.SESSION_COOKIE).ifPresent(sessions::end);
        res.headers().addCookie(sessionCookie("", Duration.ZERO, secureCookies));
        Caller caller = Caller.of(req).orElseThrow();
        audit.accept(AuditEvent.of("auth.logout", caller.subject())
                .tenant(caller.tenant())
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .success());
        res.status(Status.NO_CONTENT_204).send();
    }

    private void me(ServerRequest req, ServerResponse res) {
        // A cookie session learns its CSRF token here too (after an OIDC login, which ends in a redirect).
        Optional<String> csrf = req.context()
                .get(Sessions.Session.class, Sessions.Session.class)
                .map(Sessions.Session::csrf);
        res.send(describe(Caller.of(req).orElseThrow(), csrf));
    }

    private void localLogin(ServerRequest req, ServerResponse res) {
        boolean enabled = JsonBody.of(req)
                .bool("enabled")
                .orElseThrow(() -> ApiException.badRequest("The field enabled is required."));
        users.disableAtRunTime(!enabled);
        Caller caller = Caller.of(req).orElseThrow();
        audit.accept(AuditEvent.of("auth.local-login.set", "local-login")
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .field("enabled", enabled)
                .success());
        res.send(Map.of("enabled", localLoginEnabled(), "configured", localLoginConfigured));
    }

    private boolean localLoginEnabled() {
        return localLoginConfigured && !users.disabledAtRunTime();
    }

    static SetCookie sessionCookie(String value, Duration maxAge, boolean secure) {
        return SetCookie.builder(Authentication.SESSION_COOKIE, value)
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .sameSite(SetCookie.SameSite.STRICT)
                .maxAge(maxAge)
                .build();
    }

    static Map<String, Object> describe(Caller caller, Optional<String> csrf) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("subject", caller.subject());
        answer.put("tenant", caller.tenant());
        answer.put("kind", caller.kind().name().toLowerCase(java.util.Locale.ROOT));
        answer.put(
                "roles", caller.roles().stream().sorted().map(RoleNames::name).toList());
        csrf.ifPresent(token -> answer.put("csrfToken", token));
        return answer;
    }

    private static AuditEvent.Builder event(String action, String target, ServerRequest req, String tenant) {
        return AuditEvent.of(action, target)
                .tenant(tenant)
                .actor(Actor.user("local:" + target))
                .requestId(RequestIds.of(req))
                .field("remote", req.remotePeer().host());
    }

    static String header(ServerRequest req, String name) {
        return req.headers().first(HeaderNames.create(name)).orElse("");
    }
}
