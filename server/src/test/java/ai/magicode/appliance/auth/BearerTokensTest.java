package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BearerTokensTest {
    private final TestIssuer issuer = new TestIssuer();
    private final BearerTokens tokens = bearer(issuer, Duration.ZERO);

    static BearerTokens bearer(TestIssuer issuer, Duration refetch) {
        return new BearerTokens(
                TestIssuer.ISSUER,
                TestIssuer.CLIENT,
                TestIssuer.CLIENT,
                Set.of("RS256", "PS256", "ES256"),
                Duration.ofSeconds(5),
                new Jwks(issuer::jwks, refetch, Clock.systemUTC()),
                new ClaimMapping(
                        "tenant",
                        "realm_access.roles",
                        Map.of(
                                "superadmin", Set.of("magicode-superadmin"),
                                "admin", Set.of("magicode-admin"),
                                "operator", Set.of("magicode-operator"),
                                "auditor", Set.of("magicode-auditor"),
                                "member", Set.of("magicode-member", "developers"))));
    }

    @Test
    void acceptsValidTokenAndMapsTenantAndRoles() {
        Caller caller = tokens.authenticate(
                issuer.sign(issuer.claims("ann", "acme", "magicode-operator", "developers", "offline_access")
                        .build()));
        assertEquals(new Caller("acme", "sub-ann", Caller.Kind.USER, Set.of(Role.OPERATOR, Role.MEMBER)), caller);
    }

    @Test
    void keepsOnlySuperadminWithoutTenant() {
        Caller caller =
                tokens.authenticate(issuer.sign(issuer.claims("root", null, "magicode-superadmin", "magicode-admin")
                        .build()));
        assertEquals("-", caller.tenant());
        assertEquals(Set.of(Role.SUPERADMIN), caller.roles());
    }

    @Test
    void rejectsExpiredToken() {
        Instant past = Instant.now().minusSeconds(60);
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .issueTime(Date.from(past.minusSeconds(300)))
                .expirationTime(Date.from(past))
                .build());
        assertEquals("expired", reason(token));
    }

    @Test
    void toleratesClockSkewOnExpiry() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .expirationTime(Date.from(Instant.now().minusSeconds(2)))
                .build());
        assertEquals("acme", tokens.authenticate(token).tenant());
    }

    @Test
    void rejectsTokenNotYetValid() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .notBeforeTime(Date.from(Instant.now().plusSeconds(120)))
                .build());
        assertEquals("not-yet-valid", reason(token));
    }

    @Test
    void rejectsForeignIssuer() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .issuer("https://evil.test/realms/magicode")
                .build());
        assertEquals("issuer", reason(token));
    }

    @Test
    void rejectsTokenForAnotherAudience() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .audience("account")
                .claim("azp", "other-app")
                .build());
        assertEquals("audience", reason(token));
    }

    @Test
    void acceptsTokenIssuedToTheApplianceAsAuthorizedParty() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .audience("account")
                .build());
        assertEquals("acme", tokens.authenticate(token).tenant());
    }

    @Test
    void rejectsIdTokenPresentedAsAccessToken() {
        String token = issuer.sign(issuer.claims("ann", "acme", "magicode-admin")
                .claim("typ", "ID")
                .build());
        assertEquals("type", reason(token));
    }

    @Test
    void rejectsTamperedSignature() {
        String token =
                issuer.sign(issuer.claims("ann", "acme", "magicode-member").build());
        String[] parts = token.split("\\.");
        String escalated = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("magicode-member", "magicode-admin")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals("signature", reason(parts[0] + "." + escalated + "." + parts[2]));
    }

    @Test
    void rejectsUnsignedToken() {
        String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
        String claims = Base64URL.encode(
                        issuer.claims("ann", "acme", "magicode-admin").build().toString())
                .toString();
        assertEquals("malformed", reason(header + "." + claims + "."));
    }

    @Test
    void rejectsHmacSignedWithThePublicKey() throws Exception {
        byte[] publicKey = issuer.key().toRSAPublicKey().getEncoded();
        byte[] secret = new byte[Math.max(64, publicKey.length)];
        System.arraycopy(publicKey, 0, secret, 0, publicKey.length);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(issuer.key().getKeyID())
                        .build(),
                issuer.claims("ann", "acme", "magicode-admin").build());
        jwt.sign(new MACSigner(secret));
        assertEquals("algorithm", reason(jwt.serialize()));
    }

    @Test
    void rejectsGarbageWithoutEchoingIt() {
        AuthException e = assertThrows(AuthException.class, () -> tokens.authenticate("not.a-jwt.secret-value"));
        assertEquals("malformed", e.reason());
        assertFalse(e.getMessage().contains("secret-value"));
    }

    @Test
    void followsKeyRotationByRefetchingOnUnknownKeyId() {
        assertEquals(
                "acme",
                tokens.authenticate(issuer.sign(issuer.claims("a", "acme").build()))
                        .tenant());
        String old = issuer.sign(issuer.claims("a", "acme").build());
        issuer.rotate();
        assertEquals(
                "acme",
                tokens.authenticate(issuer.sign(issuer.claims("a", "acme").build()))
                        .tenant());
        assertEquals(2, issuer.jwksReads.get());
        assertEquals("signature", reason(old));
    }

    @Test
    void rateLimitsRefetchesCausedByUnknownKeyIds() {
        BearerTokens limited = bearer(issuer, Duration.ofHours(1));
        limited.authenticate(issuer.sign(issuer.claims("a", "acme").build()));
        TestIssuer stranger = new TestIssuer();
        for (int i = 0; i < 20; i++) {
            String forged = stranger.sign(stranger.claims("a", "acme").build());
            assertThrows(AuthException.class, () -> limited.authenticate(forged));
        }
        assertEquals(1, issuer.jwksReads.get());
    }

    @Test
    void warmCacheDoesNotRefetch() {
        for (int i = 0; i < 10; i++) {
            tokens.authenticate(issuer.sign(
                    issuer.claims("a", "acme", List.of("x").getFirst()).build()));
        }
        assertEquals(1, issuer.jwksReads.get());
    }

    @Test
    void forgetsVerifiedTokensWhenTheKeysChange() {
        String old = issuer.sign(issuer.claims("a", "acme").build());
        assertEquals("acme", tokens.authenticate(old).tenant());
        assertEquals("acme", tokens.authenticate(old).tenant()); // now remembered
        issuer.rotate();
        tokens.authenticate(issuer.sign(issuer.claims("a", "acme").build())); // refetches the keys
        assertEquals("signature", reason(old));
    }

    private String reason(String token) {
        return assertThrows(AuthException.class, () -> tokens.authenticate(token))
                .reason();
    }
}
