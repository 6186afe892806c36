package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.GitHubConfig;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The appliance's GitHub side wired against a {@link GhesSimulator} for tests: a real store and vault in a temp dir,
 * the App's key in the vault, a clock the test moves, and a sleeper that records the client's waits instead of
 * waiting.
 */
final class GitHubHarness implements AutoCloseable {
    static final long APP_ID = 4242;

    /** A clock the test sets. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final GhesSimulator ghes;
    final ApplianceStore store;
    final Vault vault;
    final GitHubApp app;
    final GitHub github;
    final MovableClock clock = new MovableClock();
    final List<Duration> waits = new CopyOnWriteArrayList<>();
    final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    final GitHubConfig config;

    GitHubHarness(GhesSimulator ghes, Path dataDir) {
        this.ghes = ghes;
        this.store = ApplianceStore.open(dataDir, List.of());
        this.vault = Vault.open(store, MasterKeySource.file(dataDir), audit::add);
        vault.put(
                GitHubApp.TENANT, GitHubApp.PRIVATE_KEY_SECRET, AppKeys.shared().pkcs1(), Actor.system(), "-");
        GitHubConfig defaults = GitHubConfig.defaults(ghes.apiUrl());
        this.config = new GitHubConfig(
                defaults.apiUrl(),
                OptionalLong.of(APP_ID),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(),
                defaults.branchPrefix(),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                3,
                Duration.ofMinutes(2));
        // The App's JWT uses the real clock: the simulator checks it against real time.
        this.app = new GitHubApp(config, vault);
        RestClient rest = new RestClient(config, audit::add, clock, waits::add);
        this.github = new GitHub(rest, app, clock);
        ghes.withApp(APP_ID, AppKeys.shared().pair().getPublic());
    }

    /** Audit events of {@code action}. */
    List<AuditEvent> audited(String action) {
        return audit.stream().filter(e -> e.action().equals(action)).toList();
    }

    @Override
    public void close() {
        store.close();
    }
}
