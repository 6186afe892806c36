package ai.magicode.appliance.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Users' permissions on repositories as GitHub last answered them, kept briefly per (installation, repository, login)
 * so a burst of events from one user costs one request; held in memory only, never persisted.
 */
final class CollaboratorPermissions {
    static final Duration TTL = Duration.ofSeconds(60);
    private static final int MAX_ENTRIES = 10_000;

    private record Key(long installationId, String repo, String login) {}

    private record Entry(String permission, Instant expires) {}

    private final Clock clock;
    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    CollaboratorPermissions(Clock clock) {
        this.clock = clock;
    }

    /** The cached permission, or the one {@code lookup} answers (then cached for {@link #TTL}). */
    String get(long installationId, RepoName repo, String login, Supplier<String> lookup) {
        Key key = new Key(installationId, repo.toString().toLowerCase(Locale.ROOT), login.toLowerCase(Locale.ROOT));
        Instant now = clock.instant();
        Entry entry = entries.get(key);
        if (entry != null && now.isBefore(entry.expires())) {
            return entry.permission();
        }
        String permission = lookup.get();
        if (entries.size() >= MAX_ENTRIES) {
            entries.values().removeIf(e -> !now.isBefore(e.expires()));
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key, new Entry(permission, now.plus(TTL)));
        return permission;
    }
}
