package ai.magicode.appliance.store;

/**
 * One step of the store's schema history: brings the root from {@link #fromVersion()} to {@code fromVersion() + 1}.
 * Migrations mutate the root's objects in place; the store persists the whole graph after each step.
 */
public interface Migration {
    /** The schema version this step starts from. */
    int fromVersion();

    /** Brings the root from {@link #fromVersion()} to {@code fromVersion() + 1}, e.g. fills fields added since. */
    void migrate(StoreRoot root);

    /** One line for the log, e.g. "add budget limits to routing policy". */
    String description();
}
