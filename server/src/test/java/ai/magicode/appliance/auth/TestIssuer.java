package ai.magicode.appliance.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-process OIDC issuer for unit tests and the benchmark: RSA keys, a JWKS document, signed access tokens. */
final class TestIssuer {
    static final String ISSUER = "https://sso.test/realms/magicode";
    static final String CLIENT = "magicode";

    private final List<RSAKey> keys = new ArrayList<>();
    final AtomicInteger jwksReads = new AtomicInteger();

    TestIssuer() {
        rotate();
    }

    /** Adds a new signing key and retires the previous ones from the JWKS. */
    void rotate() {
        try {
            RSAKey key = new RSAKeyGenerator(2048)
                    .keyID(UUID.randomUUID().toString())
                    .algorithm(JWSAlgorithm.RS256)
                    .generate();
            keys.clear();
            keys.add(key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    RSAKey key() {
        return keys.getFirst();
    }

    /** The public JWKS document. */
    String jwks() {
        jwksReads.incrementAndGet();
        return new JWKSet(keys.stream()
                        .map(RSAKey::toPublicJWK)
                        .map(k -> (com.nimbusds.jose.jwk.JWK) k)
                        .toList())
                .toString();
    }

    /** Claims of a valid token for {@code user} in {@code tenant} with the given provider roles, valid 5 minutes. */
    JWTClaimsSet.Builder claims(String user, String tenant, String... roles) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject("sub-" + user)
                .audience(List.of(CLIENT, "account"))
                .claim("azp", CLIENT)
                .claim("typ", "Bearer")
                .claim("preferred_username", user)
                .claim("realm_access", Map.of("roles", List.of(roles)))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)));
        if (tenant != null) {
            claims.claim("tenant", tenant);
        }
        return claims;
    }

    String sign(JWTClaimsSet claims) {
        return sign(claims, key());
    }

    static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .keyID(key.getKeyID())
                            .build(),
                    claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
