package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.Caller;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

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

    BearerTokens(
            String issuer,
            String audience,
            String clientId,
            Set<String> algorithms,
            Duration clockSkew,
            JWKSource<SecurityContext> keys,
            ClaimMapping mapping) {
        this.audience = audience;
        this.clientId = clientId;
        this.algorithms = Set.copyOf(algorithms);
        this.mapping = mapping;
        Set<JWSAlgorithm> allowed =
                algorithms.stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(allowed, keys));
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
        return new Caller(tenant, claims.getSubject(), Caller.Kind.USER, mapping.roles(all, tenant));
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
