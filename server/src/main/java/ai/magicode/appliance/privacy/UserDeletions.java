package ai.magicode.appliance.privacy;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Deletion of one user of a tenant: every registered kind erases its share of that user ({@link TenantData#eraseUser}:
 * the local user record, sessions, API tokens the user created, exports the user requested, LLM usage rows), the store
 * is compacted so the erased records leave its files, the tombstone {@code privacy.user.delete} is audited as the
 * tenant's entry, and last the key that seals the user's actor id in the audit log is destroyed. Each step is
 * idempotent: deleting the same user again finishes what a failure left undone.
 */
public final class UserDeletions {
    private final ApplianceStore store;
    private final DataInventory inventory;
    private final Consumer<AuditEvent> audit;
    private final BiConsumer<String, String> shred;
    private final TenantDeletions tenants;

    /**
     * @param store compacted once the kinds are erased
     * @param inventory the kinds to erase
     * @param audit receives the tombstone
     * @param shred destroys the key of the user's audit actor ids (tenant, user), after the tombstone
     * @param tenants keeps the flag that has the next start compact the store again
     */
    public UserDeletions(
            ApplianceStore store,
            DataInventory inventory,
            Consumer<AuditEvent> audit,
            BiConsumer<String, String> shred,
            TenantDeletions tenants) {
        this.tenants = tenants;
        this.store = store;
        this.inventory = inventory;
        this.audit = audit;
        this.shred = shred;
    }

    /**
     * What a deletion did.
     *
     * @param tenant the user's tenant
     * @param user the user's id
     * @param kinds the kinds that were asked to erase the user's share, in order
     */
    public record Result(String tenant, String user, List<String> kinds) {}

    /** Deletes {@code user} of {@code tenant} now; {@code actor} asked for it. */
    public Result delete(String tenant, String user, Actor actor, String requestId) {
        List<TenantData> kinds = inventory.kinds();
        for (TenantData kind : kinds) {
            kind.eraseUser().accept(tenant, user);
        }
        tenants.compactAtNextStart();
        store.compact();
        List<String> names = kinds.stream().map(TenantData::name).toList();
        // The tenant's entry: its target names the user under the tenant's audit key (not the user's), so the
        // tenant's auditors keep the tombstone until the tenant itself is deleted.
        audit.accept(AuditEvent.of("privacy.user.delete", user)
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .field("self", actor.id().equals(user))
                .success());
        shred.accept(tenant, user);
        return new Result(tenant, user, names);
    }
}
