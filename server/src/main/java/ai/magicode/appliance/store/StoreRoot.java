package ai.magicode.appliance.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The root of the persistent object graph: the schema version, when the store was created, and one section per
 * feature. Objects in the graph are plain Java objects shared by all threads: callers synchronize their own
 * mutations and call {@link ApplianceStore#store(Object)} on each changed object afterwards (a changed list or map
 * must itself be stored, storing its owner is not enough).
 */
public final class StoreRoot {
    private int schemaVersion;
    private final Instant createdAt;
    private final HashMap<String, Object> sections;

    StoreRoot(int schemaVersion, Instant createdAt) {
        this.schemaVersion = schemaVersion;
        this.createdAt = createdAt;
        this.sections = new HashMap<>();
    }

    /** The schema version the graph currently has. */
    public int schemaVersion() {
        return schemaVersion;
    }

    void schemaVersion(int version) {
        this.schemaVersion = version;
    }

    /** When this store was first created. */
    public Instant createdAt() {
        return createdAt;
    }

    /**
     * The feature sections by name, live: migrations may replace or rename entries; features use
     * {@link ApplianceStore#section} instead.
     */
    public Map<String, Object> sections() {
        return sections;
    }
}
