package ai.magicode.appliance.privacy;

import ai.magicode.appliance.store.TenantData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of every kind of tenant data the appliance keeps, in the order deletion erases them. Each feature
 * declares its kinds ({@link TenantData}) and {@code Appliance} registers them here; the inventory endpoint, exports
 * and deletions are generated from this list, so they cannot drift from the code.
 */
public final class DataInventory {
    private final List<TenantData> kinds = new ArrayList<>();

    /** Adds kinds; a later feature (the agent's jobs) adds its own with one call. */
    public synchronized DataInventory register(List<TenantData> added) {
        for (TenantData kind : added) {
            if (kinds.stream().anyMatch(k -> k.name().equals(kind.name()))) {
                throw new IllegalArgumentException("Tenant data " + kind.name() + " is registered twice");
            }
            kinds.add(kind);
        }
        return this;
    }

    /** Adds one kind. */
    public DataInventory register(TenantData kind) {
        return register(List.of(kind));
    }

    /** The registered kinds, in registration order. */
    public synchronized List<TenantData> kinds() {
        return List.copyOf(kinds);
    }

    /** The inventory as the API shows it. */
    List<Map<String, Object>> describe() {
        return kinds().stream()
                .map(kind -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("kind", kind.name());
                    row.put("where", kind.location());
                    row.put("retention", kind.retention());
                    row.put("purpose", kind.purpose());
                    return row;
                })
                .toList();
    }
}
