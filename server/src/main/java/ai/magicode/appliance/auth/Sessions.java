package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side console sessions, in memory (a restart logs everyone out): the cookie carries only a
 * random id, the session the caller, its CSRF token, its expiry and, for OIDC logins, the ID token
 * needed for RP-initiated logout. Also holds the pending authorization-code logins.
 */
final class Sessions {
    static final Duration PENDING_TTL = Duration.ofMinutes(10);

    /**
     * A console session.
     *
     * @param caller who is logged in
     * @param csrf the token state-changing requests must echo in {@code X-CSRF-Token}
     * @param expiresAt when it ends, whatever happens
     * @param idToken the provider's ID token, for logout; empty for local logins
     */
    record Session(Caller caller, String csrf, Instant expiresAt, Optional<String> idToken) {}

    /**
     * An authorization-code login under way.
     *
     * @param verifier the PKCE code verifier
     * @param nonce the nonce the ID token must carry
     * @param browser the random value of the login cookie that must come back with the callback
     * @param expiresAt when it is abandoned
     */
    record Pending(String verifier, String nonce, String browser, Instant expiresAt) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;

    Sessions(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Starts a session; returns its id, for the cookie. Sessions are keyed by the id's hash. */
    String start(Caller caller, Optional<String> idToken) {
        sweep();
        String id = Secrets.random(32);
        sessions.put(
                Secrets.sha256(id),
                new Session(caller, Secrets.random(24), clock.instant().plus(ttl), idToken));
        return id;
    }

    /** The live session of a cookie value, if any. */
    Optional<Session> find(String id) {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        String key = Secrets.sha256(id);
        Session session = sessions.get(key);
        if (session == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(session.expiresAt())) {
            sessions.remove(key);
            return Optional.empty();
        }
        return Optional.of(session);
    }

    Optional<Session> end(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(sessions.remove(Secrets.sha256(id)));
    }

    Duration ttl() {
        return ttl;
    }

    void expect(String state, Pending login) {
        sweep();
        pending.put(state, login);
    }

    /** The pending login of {@code state}, removed: each state is good for one callback. */
    Optional<Pending> takePending(String state) {
        if (state == null) {
            return Optional.empty();
        }
        Pending login = pending.remove(state);
        return login == null || !clock.instant().isBefore(login.expiresAt()) ? Optional.empty() : Optional.of(login);
    }

    /** Ends every session of {@code tenant} (its deletion, or its callers' revocation); how many there were. */
    /** Whether {@code subject} has a session in {@code tenant}. */
    boolean has(String tenant, String subject) {
        return sessions.values().stream()
                .anyMatch(session -> session.caller().tenant().equals(tenant)
                        && session.caller().subject().equals(subject));
    }

    /** The live sessions of {@code subject} in {@code tenant} (a user's own export lists them, never their ids). */
    java.util.List<Session> of(String tenant, String subject) {
        Instant now = clock.instant();
        return sessions.values().stream()
                .filter(session -> session.caller().tenant().equals(tenant)
                        && session.caller().subject().equals(subject)
                        && now.isBefore(session.expiresAt()))
                .sorted(java.util.Comparator.comparing(Session::expiresAt))
                .toList();
    }

    /** Ends every session of {@code subject} in {@code tenant}; how many. */
    int endAll(String tenant, String subject) {
        int before = sessions.size();
        sessions.values()
                .removeIf(session -> session.caller().tenant().equals(tenant)
                        && session.caller().subject().equals(subject));
        return before - sessions.size();
    }

    int endAll(String tenant) {
        int before = sessions.size();
        sessions.values().removeIf(session -> session.caller().tenant().equals(tenant));
        return before - sessions.size();
    }

    private void sweep() {
        Instant now = clock.instant();
        sessions.values().removeIf(session -> !now.isBefore(session.expiresAt()));
        pending.values().removeIf(login -> !now.isBefore(login.expiresAt()));
    }
}
