package ai.magicode.appliance.auth;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API tokens (store section {@code auth.api-tokens}): personal tokens act for the user who made them,
 * service tokens for their tenant. The token is shown once; the store keeps its SHA-256 (enough for
 * 256 random bits), its scopes (a subset of the creator's roles), expiry, last use and revocation.
 */
final class ApiTokens {
    /** Every API token starts with this, so the authentication filter can tell it from a JWT. */
    static final String PREFIX = "mgc_";
    /** Last-use times are persisted at most this often per token; in memory they are exact. */
    private static final Duration LAST_USED_PERSIST = Duration.ofMinutes(1);

    /** Personal (acts for a user) or service (acts for the tenant). */
    enum Kind {
        PERSONAL,
        SERVICE
    }

    /**
     * A stored API token (never the token itself).
     *
     * @param id public id, for listing and revocation
     * @param tenant the tenant it acts in
     * @param kind personal or service
     * @param owner the subject that created it
     * @param name what its creator called it
     * @param scopeNames the roles it grants (see {@link RoleNames})
     * @param sha256 hash of the token
     * @param createdAt when it was created
     * @param expiresAt when it stops working
     * @param lastUsedAt when it was last used, or null
     * @param revokedAt when it was revoked, or null
     */
    record ApiToken(
            String id,
            String tenant,
            Kind kind,
            String owner,
            String name,
            String scopeNames,
            String sha256,
            Instant createdAt,
            Instant expiresAt,
            Instant lastUsedAt,
            Instant revokedAt) {
        Set<Role> scopes() {
            return RoleNames.parse(scopeNames);
        }

        ApiToken used(Instant at) {
            return new ApiToken(id, tenant, kind, owner, name, scopeNames, sha256, createdAt, expiresAt, at, revokedAt);
        }

        ApiToken revoked(Instant at) {
            return new ApiToken(
                    id, tenant, kind, owner, name, scopeNames, sha256, createdAt, expiresAt, lastUsedAt, at);
        }
    }

    /** A token just created: the only time its secret exists outside the caller's hands. */
    record Created(ApiToken token, String secret) {}

    private final ApplianceStore store;
    private final State state;
    private final Clock clock;
    private final Map<String, String> idByHash = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();

    ApiTokens(ApplianceStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.state = store.section("auth.api-tokens", State.class, State::new);
        state.tokens.values().forEach(token -> idByHash.put(token.sha256(), token.id()));
    }

    synchronized Created create(String tenant, Kind kind, String owner, String name, Set<Role> scopes, Duration ttl) {
        String secret = PREFIX + Secrets.random(32);
        Instant now = clock.instant();
        ApiToken token = new ApiToken(
                Secrets.random(9),
                tenant,
                kind,
                owner,
                name,
                RoleNames.join(scopes),
                Secrets.sha256(secret),
                now,
                now.plus(ttl),
                null,
                null);
        state.tokens.put(token.id(), token);
        store.store(state.tokens);
        idByHash.put(token.sha256(), token.id());
        return new Created(token, secret);
    }

    /**
     * The caller a token stands for.
     *
     * @throws AuthException when it is unknown, expired or revoked
     */
    Caller authenticate(String secret) {
        String id = idByHash.get(Secrets.sha256(secret));
        ApiToken token;
        synchronized (this) {
            token = id == null ? null : state.tokens.get(id);
        }
        if (token == null) {
            throw new AuthException("unknown-token", "The API token is not known.");
        }
        Instant now = clock.instant();
        if (token.revokedAt() != null) {
            throw new AuthException("revoked", "The API token was revoked.");
        }
        if (!now.isBefore(token.expiresAt())) {
            throw new AuthException("expired", "The API token has expired.");
        }
        markUsed(token, now);
        return new Caller(token.tenant(), "token:" + token.id(), Caller.Kind.API_TOKEN, token.scopes());
    }

    /** The tokens of {@code tenant}, newest first, with last-use times as known in memory. */
    synchronized List<ApiToken> list(String tenant) {
        return state.tokens.values().stream()
                .filter(token -> token.tenant().equals(tenant))
                .map(token -> Optional.ofNullable(lastUsed.get(token.id()))
                        .map(token::used)
                        .orElse(token))
                .sorted(Comparator.comparing(ApiToken::createdAt).reversed())
                .toList();
    }

    synchronized Optional<ApiToken> find(String id) {
        return Optional.ofNullable(state.tokens.get(id));
    }

    /** Revokes {@code id}; returns the revoked token, or empty when there is none. */
    synchronized Optional<ApiToken> revoke(String id) {
        ApiToken token = state.tokens.get(id);
        if (token == null) {
            return Optional.empty();
        }
        if (token.revokedAt() == null) {
            token = token.revoked(clock.instant());
            state.tokens.put(id, token);
            store.store(state.tokens);
        }
        return Optional.of(token);
    }

    /** Removes every token of {@code tenant} (revoked or not): a deleted tenant keeps no token record. */
    synchronized int erase(String tenant) {
        return erase(token -> token.tenant().equals(tenant));
    }

    /** Removes every token {@code owner} created in {@code tenant} (revoked or not); how many. */
    synchronized int eraseOwnedBy(String tenant, String owner) {
        return erase(token -> token.tenant().equals(tenant) && token.owner().equals(owner));
    }

    private int erase(java.util.function.Predicate<ApiToken> doomed) {
        List<String> ids =
                state.tokens.values().stream().filter(doomed).map(ApiToken::id).toList();
        if (ids.isEmpty()) {
            return 0;
        }
        for (String id : ids) {
            ApiToken removed = state.tokens.remove(id);
            idByHash.remove(removed.sha256());
            lastUsed.remove(id);
        }
        store.store(state.tokens);
        return ids.size();
    }

    private void markUsed(ApiToken token, Instant now) {
        lastUsed.put(token.id(), now);
        synchronized (this) {
            ApiToken current = state.tokens.get(token.id());
            Instant persisted = current == null ? null : current.lastUsedAt();
            if (current != null
                    && (persisted == null || Duration.between(persisted, now).compareTo(LAST_USED_PERSIST) >= 0)) {
                state.tokens.put(token.id(), current.used(now));
                store.store(state.tokens);
            }
        }
    }

    /** Persistent token table; replaced records, stored as a map. */
    static final class State {
        final Map<String, ApiToken> tokens = new HashMap<>();
    }
}
