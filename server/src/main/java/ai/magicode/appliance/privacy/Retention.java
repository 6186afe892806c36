package ai.magicode.appliance.privacy;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Per-tenant retention settings (store section {@code privacy.retention}) and the task that applies them: expired
 * exports are deleted, and LLM usage records older than the tenant's limit are removed. The audit log keeps its own
 * platform-wide retention ({@code audit.retention-*}), which deletes whole segments only behind a signed anchor.
 */
public final class Retention {
    static final String SECTION = "privacy.retention";

    /**
     * One tenant's settings.
     *
     * @param exportHours how long an export can be downloaded before it is deleted (1 to 720)
     * @param usageDays days of LLM usage records kept; 0 keeps them until the tenant is deleted
     */
    public record Settings(int exportHours, int usageDays) {
        /** What a tenant gets until an admin changes it. */
        public static final Settings DEFAULT = new Settings(24, 0);

        /** @throws IllegalArgumentException when a value is out of range */
        public Settings {
            if (exportHours < 1 || exportHours > 720) {
                throw new IllegalArgumentException("exportHours must be 1 to 720");
            }
            if (usageDays < 0 || usageDays > 3660) {
                throw new IllegalArgumentException("usageDays must be 0 (keep) to 3660");
            }
        }
    }

    /** The persistent settings by tenant; replaced records. */
    static final class Table {
        final HashMap<String, Settings> settings = new HashMap<>();
    }

    private final ApplianceStore store;
    private final Table table;
    private final BiFunction<String, LocalDate, Integer> pruneUsage;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;

    /**
     * @param store where the settings are kept
     * @param pruneUsage removes a tenant's usage records of days before the given one; returns how many
     * @param audit receives changes and what each run removed
     * @param clock the time source
     */
    public Retention(
            ApplianceStore store,
            BiFunction<String, LocalDate, Integer> pruneUsage,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this.store = store;
        this.table = store.section(SECTION, Table.class, Table::new);
        this.pruneUsage = pruneUsage;
        this.audit = audit;
        this.clock = clock;
    }

    /** The settings of {@code tenant}, the defaults until changed. */
    public Settings settings(String tenant) {
        synchronized (table) {
            return table.settings.getOrDefault(tenant, Settings.DEFAULT);
        }
    }

    /** How long {@code tenant}'s exports are kept. */
    public Duration exportTtl(String tenant) {
        return Duration.ofHours(settings(tenant).exportHours());
    }

    /** Replaces the settings of {@code tenant}; audited. */
    public Settings update(String tenant, Settings settings, Actor actor, String requestId) {
        synchronized (table) {
            table.settings.put(tenant, settings);
            store.store(table.settings);
        }
        audit.accept(AuditEvent.of("privacy.retention.update", tenant)
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("exportHours", settings.exportHours())
                .field("usageDays", settings.usageDays())
                .success());
        return settings;
    }

    /**
     * Applies every tenant's settings once: deletes expired exports and old usage records.
     *
     * @return what was removed, by kind
     */
    public Map<String, Integer> apply(Exports exports) {
        int expired = exports.sweep();
        Map<String, Settings> snapshot;
        synchronized (table) {
            snapshot = Map.copyOf(table.settings);
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        int usage = 0;
        for (Map.Entry<String, Settings> entry : snapshot.entrySet()) {
            int days = entry.getValue().usageDays();
            if (days > 0) {
                int removed = pruneUsage.apply(entry.getKey(), today.minusDays(days));
                if (removed > 0) {
                    usage += removed;
                    audit.accept(AuditEvent.of("privacy.retention.apply", "llm.usage")
                            .tenant(entry.getKey())
                            .actor(Actor.system())
                            .field("removed", removed)
                            .success());
                }
            }
        }
        return Map.of("exports", expired, "usage", usage);
    }

    /** The settings as tenant data. */
    public TenantData tenantData() {
        return new TenantData(
                SECTION,
                "store section " + SECTION,
                "until the tenant is deleted",
                "the tenant's retention settings (export lifetime, usage days)",
                List.of("store:" + SECTION),
                (tenant, sink) -> {
                    Settings settings = settings(tenant);
                    sink.add(
                            "privacy/retention.json",
                            Map.of("exportHours", settings.exportHours(), "usageDays", settings.usageDays()));
                },
                tenant -> {
                    synchronized (table) {
                        if (table.settings.remove(tenant) != null) {
                            store.store(table.settings);
                        }
                    }
                });
    }
}
