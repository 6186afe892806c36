package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The console's OIDC login at {@code /auth}: {@code GET /auth/login} sends the browser to the provider
 * (authorization code with PKCE S256, state and nonce, bound to this browser by a short-lived cookie),
 * {@code GET /auth/callback} redeems the code, checks the ID token and starts a server-side session,
 * {@code POST /auth/logout} ends it and answers the provider's RP-initiated logout URL.
 */
final class ConsoleLogin implements HttpService {
    static final String LOGIN_COOKIE = "magicode_login";

    private final OidcProvider provider;
    private final String clientId;
    private final Optional<String> clientSecret;
    private final BearerTokens bearer;
    private final DefaultJWTProcessor<SecurityContext> idTokens = new DefaultJWTProcessor<>();
    private final Duration clockSkew;
    private final Sessions sessions;
    private final Tenants tenants;
    private final Optional<URI> publicUrl;
    private final boolean secureCookies;
    private final HttpClient http;
    private final Clock clock;
    private final Consumer<AuditEvent> audit;

    ConsoleLogin(
            OidcProvider provider,
            String clientId,
            Optional<String> clientSecret,
            Set<String> algorithms,
            Duration clockSkew,
            JWKSource<SecurityContext> keys,
            BearerTokens bearer,
            Sessions sessions,
            Tenants tenants,
            Optional<URI> publicUrl,
            boolean secureCookies,
            HttpClient http,
            Clock clock,
            Consumer<AuditEvent> audit) {
        this.provider = provider;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.bearer = bearer;
        this.clockSkew = clockSkew;
        this.sessions = sessions;
        this.tenants = tenants;
        this.publicUrl = publicUrl;
        this.secureCookies = secureCookies;
        this.http = http;
        this.clock = clock;
        this.audit = audit;
        idTokens.setJWSKeySelector(new JWSVerificationKeySelector<>(
                algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet()), keys));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/login", this::login).get("/callback", this::callback).post("/logout", this::logout);
    }

    private void login(ServerRequest req, ServerResponse res) {
        OidcProvider.Metadata metadata = metadata();
        String state = Secrets.random(24);
        String verifier = Secrets.random(48);
        String nonce = Secrets.random(24);
        String browser = Secrets.random(24);
        sessions.expect(
                state,
                new Sessions.Pending(verifier, nonce, browser, clock.instant().plus(Sessions.PENDING_TTL)));
        res.headers()
                .addCookie(SetCookie.builder(LOGIN_COOKIE, browser)
                        .path("/auth")
                        .httpOnly(true)
                        .secure(secureCookies)
                        // Lax: the cookie must come back on the provider's top-level redirect to the callback.
                        .sameSite(SetCookie.SameSite.LAX)
                        .maxAge(Sessions.PENDING_TTL)
                        .build());
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", clientId);
        query.put("redirect_uri", callbackUrl(req));
        query.put("scope", "openid");
        query.put("state", state);
        query.put("nonce", nonce);
        query.put("code_challenge", challenge(verifier));
        query.put("code_challenge_method", "S256");
        redirect(res, metadata.authorizationEndpoint() + "?" + form(query));
    }

    private void callback(ServerRequest req, ServerResponse res) {
        var query = req.query();
        Sessions.Pending pending = sessions.takePending(query.first("state").orElse(null))
                .filter(login -> Secrets.equal(
                        req.headers().cookies().first(LOGIN_COOKIE).orElse(null), login.browser()))
                .orElseThrow(() -> {
                    audit.accept(audit(req, "-", Actor.anonymous(), "state").failure());
                    return ApiException.badRequest("This login is unknown or expired; start again at /auth/login.");
                });
        if (query.first("error").isPresent() || query.first("code").isEmpty()) {
            audit.accept(audit(req, "-", Actor.anonymous(), "provider-error").failure());
            throw new ApiException(401, "Unauthorized", "The identity provider did not log you in.");
        }
        Map<String, Object> tokens = redeem(query.first("code").get(), pending.verifier(), callbackUrl(req));
        Caller caller;
        try {
            String idToken = String.valueOf(tokens.get("id_token"));
            checkIdToken(idToken, pending.nonce());
            caller = bearer.authenticate(String.valueOf(tokens.get("access_token")));
            if (!caller.tenant().equals(AuditEvent.PLATFORM) && !tenants.isEnabled(caller.tenant())) {
                throw new AuthException("tenant", "Your tenant is not enabled on this appliance.");
            }
            String id = sessions.start(caller, Optional.of(idToken));
            res.headers().addCookie(AuthRoutes.sessionCookie(id, sessions.ttl(), secureCookies));
        } catch (AuthException e) {
            audit.accept(audit(req, "-", Actor.anonymous(), e.reason()).failure());
            throw new ApiException(401, "Unauthorized", e.getMessage());
        }
        res.headers()
                .addCookie(SetCookie.builder(LOGIN_COOKIE, "")
                        .path("/auth")
                        .maxAge(Duration.ZERO)
                        .build());
        audit.accept(
                audit(req, caller.tenant(), Actor.user(caller.subject()), "ok").success());
        redirect(res, "/");
    }

    private void logout(ServerRequest req, ServerResponse res) {
        Optional<String> cookie =
                req.headers().cookies().first(Authentication.SESSION_COOKIE).asOptional();
        Optional<Sessions.Session> session = cookie.flatMap(sessions::find);
        if (session.isPresent()
                && !Secrets.equal(
                        req.headers()
                                .first(HeaderNames.create(Authentication.CSRF_HEADER))
                                .orElse(null),
                        session.get().csrf())) {
            throw new ApiException(403, "Forbidden", "Logging out needs the session's X-CSRF-Token header.");
        }
        cookie.ifPresent(sessions::end);
        res.headers().addCookie(AuthRoutes.sessionCookie("", Duration.ZERO, secureCookies));
        String next = "/";
        if (session.isPresent() && session.get().idToken().isPresent()) {
            Caller caller = session.get().caller();
            audit.accept(AuditEvent.of("auth.logout", caller.subject())
                    .tenant(caller.tenant())
                    .actor(Actor.user(caller.subject()))
                    .requestId(RequestIds.of(req))
                    .success());
            Optional<URI> endSession = metadata().endSessionEndpoint();
            if (endSession.isPresent()) {
                Map<String, String> query = new LinkedHashMap<>();
                query.put("id_token_hint", session.get().idToken().get());
                query.put("post_logout_redirect_uri", baseUrl(req));
                query.put("client_id", clientId);
                next = endSession.get() + "?" + form(query);
            }
        }
        res.send(Map.of("logoutUrl", next));
    }

    /** The ID token was issued to us, for this login (nonce), by the provider, and is current. */
    private void checkIdToken(String idToken, String nonce) {
        try {
            DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                    clientId,
                    new JWTClaimsSet.Builder()
                            .issuer(provider.metadata().issuer())
                            .claim("nonce", nonce)
                            .build(),
                    Set.of("exp", "sub"));
            verifier.setMaxClockSkew((int) clockSkew.toSeconds());
            synchronized (idTokens) {
                idTokens.setJWTClaimsSetVerifier(verifier);
                idTokens.process(idToken, null);
            }
        } catch (java.text.ParseException
                | com.nimbusds.jose.proc.BadJOSEException
                | com.nimbusds.jose.JOSEException e) {
            throw new AuthException("id-token", "The identity provider's ID token does not verify.");
        }
    }

    private Map<String, Object> redeem(String code, String verifier, String redirectUri) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("client_id", clientId);
        clientSecret.ifPresent(secret -> form.put("client_secret", secret));
        form.put("code_verifier", verifier);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(metadata().tokenEndpoint())
                            .timeout(OidcProvider.TIMEOUT)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(form(form)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new ApiException(401, "Unauthorized", "The identity provider refused the login code.");
            }
            return JSONObjectUtils.parse(response.body());
        } catch (IOException | java.text.ParseException e) {
            throw ApiException.unavailable("The identity provider cannot be reached.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("Interrupted while reaching the identity provider.");
        }
    }

    private OidcProvider.Metadata metadata() {
        try {
            return provider.metadata();
        } catch (AuthException e) {
            throw ApiException.unavailable("The identity provider is unavailable; local login may still work.");
        }
    }

    private String callbackUrl(ServerRequest req) {
        return baseUrl(req) + "auth/callback";
    }

    /** The console's base URL, ending in a slash: the configured public URL, else this request's host. */
    private String baseUrl(ServerRequest req) {
        if (publicUrl.isPresent()) {
            String url = publicUrl.get().toString();
            return url.endsWith("/") ? url : url + "/";
        }
        String host = req.headers().first(HeaderNames.HOST).orElse("localhost");
        return (req.isSecure() ? "https" : "http") + "://" + host + "/";
    }

    private AuditEvent.Builder audit(ServerRequest req, String tenant, Actor actor, String reason) {
        return AuditEvent.of("auth.login.oidc", actor.id())
                .tenant(tenant)
                .actor(actor)
                .requestId(RequestIds.of(req))
                .field("result", reason);
    }

    private static void redirect(ServerResponse res, String location) {
        res.status(Status.FOUND_302).header(HeaderNames.LOCATION, location).send();
    }

    static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
