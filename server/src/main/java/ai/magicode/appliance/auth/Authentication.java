package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Recognises the caller of every {@code /api/} request and attaches it ({@link Caller#attachTo}): an
 * {@code Authorization: Bearer} OIDC access token or API token, else a console session cookie. A
 * credential that is present but not valid is a 401 (it never falls back to anonymous); a
 * cookie-authenticated state-changing request must echo the session's CSRF token. Routes then decide by
 * their {@code Access} rule.
 */
final class Authentication implements Filter {
    static final String SESSION_COOKIE = "magicode_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<Method> SAFE = Set.of(Method.GET, Method.HEAD, Method.OPTIONS);

    private final Optional<BearerTokens> bearer;
    private final ApiTokens apiTokens;
    private final Sessions sessions;
    private final Tenants tenants;
    private final Consumer<Rejection> rejected;

    /** A refused credential, for the audit log and metrics. */
    record Rejection(String reason, String kind, String requestPath, RoutingRequest request) {}

    Authentication(
            Optional<BearerTokens> bearer,
            ApiTokens apiTokens,
            Sessions sessions,
            Tenants tenants,
            Consumer<Rejection> rejected) {
        this.bearer = bearer;
        this.apiTokens = apiTokens;
        this.sessions = sessions;
        this.tenants = tenants;
        this.rejected = rejected;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        if (path.startsWith("/api/")) {
            authenticate(req).ifPresent(caller -> {
                if (!caller.tenant().equals(ai.magicode.appliance.audit.AuditEvent.PLATFORM)
                        && !tenants.isEnabled(caller.tenant())) {
                    throw new ApiException(403, "Forbidden", "Your tenant is not enabled on this appliance.");
                }
                caller.attachTo(req);
            });
        }
        chain.proceed();
    }

    private Optional<Caller> authenticate(RoutingRequest req) {
        Optional<String> authorization = req.headers().first(HeaderNames.AUTHORIZATION);
        if (authorization.isPresent()) {
            return Optional.of(fromAuthorization(req, authorization.get()));
        }
        Optional<String> cookie = req.headers().cookies().first(SESSION_COOKIE).asOptional();
        if (cookie.isEmpty()) {
            return Optional.empty();
        }
        Optional<Sessions.Session> session = sessions.find(cookie.get());
        if (session.isEmpty()) {
            if (req.path().path().equals(AuthRoutes.LOGIN_PATH)) {
                return Optional.empty(); // a stale cookie must not block logging in again
            }
            throw refuse(req, "session", "cookie", "The session has expired or is not known; log in again.");
        }
        if (!SAFE.contains(req.prologue().method())
                && !Secrets.equal(
                        req.headers().first(HeaderNames.create(CSRF_HEADER)).orElse(null),
                        session.get().csrf())) {
            rejected.accept(new Rejection("csrf", "cookie", req.path().path(), req));
            throw new ApiException(403, "Forbidden", "This request needs the session's " + CSRF_HEADER + " header.");
        }
        req.context().register(Sessions.Session.class, session.get());
        return Optional.of(session.get().caller());
    }

    private Caller fromAuthorization(RoutingRequest req, String header) {
        if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw refuse(req, "scheme", "header", "Use Authorization: Bearer with an access token or API token.");
        }
        String token = header.substring(7).trim();
        String kind = token.startsWith(ApiTokens.PREFIX) ? "api-token" : "jwt";
        try {
            if (kind.equals("api-token")) {
                return apiTokens.authenticate(token);
            }
            return bearer.orElseThrow(
                            () -> new AuthException("no-oidc", "No identity provider is configured; use an API token."))
                    .authenticate(token);
        } catch (AuthException e) {
            throw refuse(req, e.reason(), kind, e.getMessage());
        }
    }

    private ApiException refuse(RoutingRequest req, String reason, String kind, String detail) {
        rejected.accept(new Rejection(reason, kind, req.path().path(), req));
        return new ApiException(401, "Unauthorized", detail);
    }
}
