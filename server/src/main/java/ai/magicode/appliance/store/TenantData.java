package ai.magicode.appliance.store;

import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One kind of data the appliance keeps about tenants, as the feature that owns it declares it: what it is, where it
 * lives, how long it is kept and why, and how to export and erase one tenant's share. The privacy inventory, export
 * and deletion are generated from these declarations, so a feature that stores tenant data registers one in
 * {@code Appliance} (a test fails for a store section or data-dir directory no declaration covers).
 *
 * @param name a stable name, such as {@code auth.api-tokens}
 * @param location where it is kept, for people ({@code store section auth.api-tokens}, {@code DATA_DIR/index/<tenant>})
 * @param retention how long it is kept
 * @param purpose why it is kept
 * @param covers the store sections ({@code store:<section>}) and data-dir directories ({@code dir:<name>}) it
 *     accounts for
 * @param export writes one tenant's share as JSON documents into a sink
 * @param erase removes one tenant's share; must be idempotent (a deletion resumed after a crash runs it again)
 * @param eraseUser removes what it keeps about one user of a tenant (tenant, user id such as {@code local:alice});
 *     idempotent; a no-op for kinds that keep nothing per user
 * @param exportUser writes what it keeps about one user of a tenant into a user's own export; a no-op for kinds that
 *     keep nothing per user
 */
public record TenantData(
        String name,
        String location,
        String retention,
        String purpose,
        List<String> covers,
        BiConsumer<String, Sink> export,
        Consumer<String> erase,
        BiConsumer<String, String> eraseUser,
        UserExport exportUser) {
    public TenantData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(purpose, "purpose");
        covers = List.copyOf(covers);
        Objects.requireNonNull(export, "export");
        Objects.requireNonNull(erase, "erase");
        Objects.requireNonNull(eraseUser, "eraseUser");
        Objects.requireNonNull(exportUser, "exportUser");
    }

    /** A kind that keeps nothing per user beyond its tenant's share. */
    public TenantData(
            String name,
            String location,
            String retention,
            String purpose,
            List<String> covers,
            BiConsumer<String, Sink> export,
            Consumer<String> erase) {
        this(
                name,
                location,
                retention,
                purpose,
                covers,
                export,
                erase,
                (tenant, user) -> {},
                (tenant, user, sink) -> {});
    }

    /** This kind, erasing one user's share with {@code eraseUser} (tenant, user id) when that user is deleted. */
    public TenantData erasingUsers(BiConsumer<String, String> eraseUser) {
        return new TenantData(name, location, retention, purpose, covers, export, erase, eraseUser, exportUser);
    }

    /** This kind, writing one user's share with {@code exportUser} into that user's own export. */
    public TenantData exportingUser(UserExport exportUser) {
        return new TenantData(name, location, retention, purpose, covers, export, erase, eraseUser, exportUser);
    }

    /** Writes what a kind keeps about one user of a tenant into a sink (a user's own export). */
    @FunctionalInterface
    public interface UserExport {
        /**
         * @param tenant the user's tenant
         * @param user the user's id, such as {@code local:alice} or an OIDC subject
         * @param sink where the documents go
         */
        void accept(String tenant, String user, Sink sink);
    }

    /** Where an export writes: one JSON document per call, of maps, lists, strings, numbers and booleans. */
    public interface Sink {
        /**
         * Adds {@code document} as {@code file} (a relative path such as {@code auth/api-tokens.json}).
         *
         * @param file the path inside the archive
         * @param document JSON-able value: {@code Map}, {@code List}, {@code String}, {@code Number}, {@code Boolean}
         */
        void add(String file, Object document);

        /** Adds {@code lines}, each already one JSON document, as a JSON Lines file (the audit log's own entries). */
        void addJsonLines(String file, List<String> lines);
    }

    /** A kind with nothing to export or erase per tenant (platform data, kept for the inventory's completeness). */
    public static TenantData platform(
            String name, String location, String retention, String purpose, List<String> covers) {
        return new TenantData(name, location, retention, purpose, covers, (tenant, sink) -> {}, tenant -> {});
    }
}
