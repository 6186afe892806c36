package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.AuditEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Installation access tokens ({@code POST /app/installations/{id}/access_tokens}), each narrowed to one repository
 * and the permissions a job needs, cached until five minutes before GitHub's {@code expires_at}. A token is opaque:
 * no assumption about its length or format, and it is never logged, audited or put into a message.
 */
public final class InstallationTokens {
    /** A cached token is renewed this long before it expires, so a job never starts with one about to lapse. */
    static final Duration RENEW_BEFORE = Duration.ofMinutes(5);

    /**
     * A token and its validity.
     *
     * @param value the token, for {@code Authorization: token …} and Git's {@code x-access-token} password
     * @param expiresAt when GitHub stops accepting it
     */
    public record Token(String value, Instant expiresAt) {
        public Token {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "Token[expiresAt=" + expiresAt + "]";
        }
    }

    private record Key(long installationId, String repository, Map<String, String> permissions) {}

    private final GitHubApp app;
    private final RestClient rest;
    private final Clock clock;
    private final Map<Key, Token> cache = new ConcurrentHashMap<>();

    InstallationTokens(GitHubApp app, RestClient rest, Clock clock) {
        this.app = app;
        this.rest = rest;
        this.clock = clock;
    }

    /**
     * A token for one repository of an installation with exactly {@code permissions} (e.g. {@code contents: write}),
     * from the cache while it has more than five minutes left.
     *
     * @param repository the repository's name without owner (GitHub's {@code repositories} parameter); null for a token
     *     over all of the installation's repositories (only for listing them)
     */
    public Token token(long installationId, String repository, Map<String, String> permissions) {
        Key key = new Key(installationId, repository, Map.copyOf(new TreeMap<>(permissions)));
        Token cached = cache.get(key);
        if (cached != null && clock.instant().plus(RENEW_BEFORE).isBefore(cached.expiresAt())) {
            return cached;
        }
        Token fresh = create(installationId, repository, permissions);
        cache.put(key, fresh);
        return fresh;
    }

    private Token create(long installationId, String repository, Map<String, String> permissions) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (repository != null) {
            body.put("repositories", java.util.List.of(repository));
        }
        body.put("permissions", new TreeMap<>(permissions));
        RestClient.Answer answer = rest.send(new RestClient.Call(
                "POST",
                rest.api("/app/installations/" + installationId + "/access_tokens"),
                app.authorization(),
                "app",
                body,
                AuditEvent.of("github.installation-token.create", "installation:" + installationId)
                        .field("repository", repository == null ? "*" : repository)
                        .field("permissions", new TreeMap<>(permissions))));
        JsonNode json = answer.json();
        String token = json.path("token").asText("");
        if (token.isEmpty()) {
            throw new GitHubException("GitHub answered an installation token request without a token");
        }
        Instant expiresAt;
        try {
            expiresAt = Instant.parse(json.path("expires_at").asText(""));
        } catch (DateTimeParseException e) {
            // Without a usable expiry, assume GitHub's documented hour and renew early.
            expiresAt = clock.instant().plus(Duration.ofMinutes(60));
        }
        return new Token(token, expiresAt);
    }

    /** Drops every cached token (e.g. after GitHub revoked one). */
    public void clear() {
        cache.clear();
    }
}
