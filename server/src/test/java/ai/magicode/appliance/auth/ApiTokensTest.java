package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {
    @TempDir
    Path dataDir;

    private final SessionsTest.MutableClock clock = new SessionsTest.MutableClock();

    @Test
    void storesOnlyTheHashAndAuthenticatesWithScopes() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            ApiTokens tokens = new ApiTokens(store, clock);
            ApiTokens.Created created = tokens.create(
                    "acme", ApiTokens.Kind.SERVICE, "ann", "ci", Set.of(Role.OPERATOR), Duration.ofDays(1));
            assertTrue(created.secret().startsWith(ApiTokens.PREFIX));
            assertFalse(created.token().toString().contains(created.secret()));
            Caller caller = tokens.authenticate(created.secret());
            assertEquals(
                    new Caller("acme", "token:" + created.token().id(), Caller.Kind.API_TOKEN, Set.of(Role.OPERATOR)),
                    caller);
        }
    }

    @Test
    void refusesExpiredRevokedAndUnknownTokens() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            ApiTokens tokens = new ApiTokens(store, clock);
            ApiTokens.Created expiring =
                    tokens.create("acme", ApiTokens.Kind.PERSONAL, "ann", "a", Set.of(Role.MEMBER), Duration.ofDays(1));
            ApiTokens.Created revoked =
                    tokens.create("acme", ApiTokens.Kind.PERSONAL, "ann", "b", Set.of(Role.MEMBER), Duration.ofDays(1));
            tokens.revoke(revoked.token().id());
            clock.advance(Duration.ofDays(1));
            assertEquals(
                    "expired",
                    assertThrows(AuthException.class, () -> tokens.authenticate(expiring.secret()))
                            .reason());
            assertEquals(
                    "revoked",
                    assertThrows(AuthException.class, () -> tokens.authenticate(revoked.secret()))
                            .reason());
            assertEquals(
                    "unknown-token",
                    assertThrows(AuthException.class, () -> tokens.authenticate("mgc_nope"))
                            .reason());
        }
    }

    @Test
    void tokensAndTheirLastUseSurviveARestart() {
        String secret;
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            ApiTokens tokens = new ApiTokens(store, clock);
            secret = tokens.create("acme", ApiTokens.Kind.PERSONAL, "ann", "a", Set.of(Role.MEMBER), Duration.ofDays(9))
                    .secret();
            tokens.authenticate(secret);
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            ApiTokens tokens = new ApiTokens(store, clock);
            assertEquals("acme", tokens.authenticate(secret).tenant());
            assertNotNull(tokens.list("acme").getFirst().lastUsedAt());
            assertTrue(tokens.list("globex").isEmpty());
        }
    }
}
