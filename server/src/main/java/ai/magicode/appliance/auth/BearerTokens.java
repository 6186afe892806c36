package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.Caller;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates OIDC access tokens presented as {@code Authorization: Bearer}: the signature against the
 * provider's keys with an algorithm from the allow-list (never {@code none}, never HMAC, so a public key
 * cannot be abused as a shared secret), the issuer, the audience (in {@code aud}, or the appliance as
 * {@code azp}), {@code exp} and {@code nbf} with a small clock skew; then maps the claims to a caller.
 */
public final class BearerTokens {
    private final String audience;
    private final String clientId;
    private final Set<String> algorithms;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final ClaimMapping mapping;
    private final Jwks keys;
    private final Duration clockSkew;
    private final Clock clock;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    /**
     * A token already verified: requests repeating it skip the signature check until it expires, the
     * cache is full, or the provider's keys change (a refetch drops everything verified before it).
     */
    private record Verified(Caller caller, Instant until, long generation) {}

    /** Most tokens remembered at once; beyond it the cache starts over. */
    static final int CACHE_SIZE = 10_000;
    /** Longest a verified token is remembered, even if it lives longer. */
    static final Duration CACHE_TTL = Duration.ofMinutes(5);

    BearerTokens(
            String issuer,
            String audience,
            String clientId,
            Set<String> algorithms,
            Duration clockSkew,
            Jwks keys,
            ClaimMapping mapping) {
        this.audience = audience;
        this.clientId = clientId;
        this.algorithms = Set.copyOf(algorithms);
        this.mapping = mapping;
        this.keys = keys;
        this.clockSkew = clockSkew;
        this.clock = Clock.systemUTC();
        // The algorithm is checked against the allow-list before keys are selected (see authenticate).
        processor.setJWSKeySelector(keys);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("exp", "sub", "iat"));
        claims.setMaxClockSkew((int) clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /**
     * The caller a valid token stands for.
     *
     * @throws AuthException naming what is wrong (never echoing the token)
     */
    public Caller authenticate(String token) {
        Verified hit = verified.get(token);
        Instant now = clock.instant();
        if (hit != null && now.isBefore(hit.until()) && hit.generation() == keys.generation()) {
            return hit.caller();
        }
        long generation = keys.generation();
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new AuthException("malformed", "The bearer token is not a signed JWT.");
        }
        if (!algorithms.contains(jwt.getHeader().getAlgorithm().getName())) {
            throw new AuthException("algorithm", "The bearer token's signature algorithm is not accepted.");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (BadJWTException e) {
            throw new AuthException(claimReason(e), "The bearer token is expired, not yet valid or not ours.");
        } catch (BadJOSEException e) {
            throw new AuthException("signature", "The bearer token's signature does not verify.");
        } catch (JOSEException e) {
            throw new AuthException("signature", "The bearer token's signature cannot be checked.");
        }
        checkAudience(claims);
        Object type = claims.getClaim("typ");
        if (type instanceof String typ && !typ.equalsIgnoreCase("Bearer")) {
            throw new AuthException("type", "The token is not an access token.");
        }
        Map<String, Object> all = claims.getClaims();
        String tenant = mapping.tenant(all);
        Caller caller = new Caller(tenant, claims.getSubject(), Caller.Kind.USER, mapping.roles(all, tenant));
        remember(token, caller, claims, now, generation);
        return caller;
    }

    /** Drops every remembered verification (for the benchmark's uncached figure). */
    void forget() {
        verified.clear();
    }

    private void remember(String token, Caller caller, JWTClaimsSet claims, Instant now, long generation) {
        Instant until = claims.getExpirationTime().toInstant().plus(clockSkew);
        if (until.isAfter(now.plus(CACHE_TTL))) {
            until = now.plus(CACHE_TTL);
        }
        if (verified.size() >= CACHE_SIZE) {
            verified.clear();
        }
        verified.put(token, new Verified(caller, until, generation));
    }

    private void checkAudience(JWTClaimsSet claims) {
        List<String> aud = claims.getAudience();
        if (aud != null && aud.contains(audience)) {
            return;
        }
        if (clientId.equals(claims.getClaim("azp"))) {
            return;
        }
        throw new AuthException("audience", "The bearer token is not meant for this appliance.");
    }

    private static String claimReason(BadJWTException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("expired")) {
            return "expired";
        }
        if (message.contains("before")) {
            return "not-yet-valid";
        }
        if (message.contains("iss")) {
            return "issuer";
        }
        return "claims";
    }
}
