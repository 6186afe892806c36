package ai.magicode.appliance.index;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What a tenant's admin decides per repository (store section {@value #SECTION}): its classification labels — the
 * ones the LLM routing policy matches with {@code match.classifications}, e.g. {@code public}, {@code internal},
 * {@code restricted} — and whether the agent may work on it. A repository nobody configured is unclassified and the
 * agent is on.
 */
public final class RepoSettings {
    static final String SECTION = "index.repo-settings";
    /** A classification label: lower-case letters, digits and inner dashes, as policies name them. */
    public static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?");
    /** The most labels one repository has. */
    public static final int MAX_LABELS = 8;

    /**
     * One repository's settings.
     *
     * @param classifications its labels, sorted, without duplicates
     * @param agentEnabled whether the agent's triggers on it are accepted
     */
    public record Settings(List<String> classifications, boolean agentEnabled) {
        /** Until an admin decides. */
        public static final Settings DEFAULT = new Settings(List.of(), true);

        /** @throws IllegalArgumentException naming the first bad label */
        public Settings {
            classifications = classifications.stream().distinct().sorted().toList();
            if (classifications.size() > MAX_LABELS) {
                throw new IllegalArgumentException("at most " + MAX_LABELS + " classification labels");
            }
            for (String label : classifications) {
                if (!LABEL.matcher(label).matches()) {
                    throw new IllegalArgumentException(
                            "a classification label is 1 to 32 lower-case letters, digits and inner dashes");
                }
            }
        }
    }

    /** As stored: plain strings and booleans (Eclipse Store keeps them as they are). */
    record Stored(String classifications, boolean agentEnabled) {
        Settings settings() {
            return new Settings(
                    classifications.isEmpty() ? List.of() : Arrays.asList(classifications.split(",")), agentEnabled);
        }
    }

    /** The persistent table: tenant → repository id → settings. */
    static final class Table {
        final HashMap<String, HashMap<String, Stored>> byTenant = new HashMap<>();
    }

    private final ApplianceStore store;
    private final Table table;
    private final Consumer<AuditEvent> audit;

    public RepoSettings(ApplianceStore store, Consumer<AuditEvent> audit) {
        this.store = store;
        this.table = store.section(SECTION, Table.class, Table::new);
        this.audit = audit;
    }

    /** The settings of a tenant's repository (by its id), the defaults until changed. */
    public Settings of(String tenant, String repoId) {
        synchronized (table) {
            Map<String, Stored> repos = table.byTenant.get(tenant);
            Stored stored = repos == null ? null : repos.get(repoId);
            return stored == null ? Settings.DEFAULT : stored.settings();
        }
    }

    /** Whether the agent may work on the repository. */
    public boolean agentEnabled(String tenant, String repoId) {
        return of(tenant, repoId).agentEnabled();
    }

    /** Replaces a repository's settings; audited as {@code repo.settings.update}. */
    public Settings update(
            String tenant, String repoId, String fullName, Settings settings, Actor actor, String requestId) {
        synchronized (table) {
            HashMap<String, Stored> repos = table.byTenant.computeIfAbsent(tenant, t -> new HashMap<>());
            repos.put(repoId, new Stored(String.join(",", settings.classifications()), settings.agentEnabled()));
            store.store(table.byTenant);
            store.store(repos);
        }
        audit.accept(AuditEvent.of("repo.settings.update", fullName)
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("classifications", String.join(",", settings.classifications()))
                .field("agentEnabled", settings.agentEnabled())
                .success());
        return settings;
    }

    /** The settings as tenant data (exported with the tenant, erased with it). */
    public TenantData tenantData() {
        return new TenantData(
                SECTION,
                "store section " + SECTION,
                "until the tenant is deleted",
                "per repository: classification labels and whether the agent is on",
                List.of("store:" + SECTION),
                (tenant, sink) -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    synchronized (table) {
                        table.byTenant.getOrDefault(tenant, new HashMap<>()).forEach((repo, stored) -> {
                            Settings settings = stored.settings();
                            out.put(
                                    repo,
                                    Map.of(
                                            "classifications", settings.classifications(),
                                            "agentEnabled", settings.agentEnabled()));
                        });
                    }
                    sink.add("index/repo-settings.json", out);
                },
                tenant -> {
                    synchronized (table) {
                        if (table.byTenant.remove(tenant) != null) {
                            store.store(table.byTenant);
                        }
                    }
                });
    }
}
