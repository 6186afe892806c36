package ai.magicode.appliance.privacy;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Durable tenant deletion. The intent is stored first (store section {@code privacy.deletions}); a worker then shuts
 * the tenant out (disabled, sessions ended, API tokens removed), erases every registered kind of tenant data in
 * registration order, compacts the store so erased records leave its files, writes the audit tombstone, destroys the tenant's audit keys and finally
 * forgets the intent. Every step is idempotent, so a deletion a crash interrupted runs again from the start when the
 * appliance restarts ({@link #resume}) and finishes.
 */
public final class TenantDeletions implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TenantDeletions.class.getName());
    static final String SECTION = "privacy.deletions";

    /** Where a deletion stands. */
    public enum State {
        RUNNING,
        DONE,
        FAILED
    }

    /**
     * A deletion's progress (in memory: once done, nothing about the tenant is kept but the audit tombstone).
     *
     * @param tenant the tenant being deleted
     * @param state where it stands
     * @param kindsErased how many registered kinds are erased so far
     * @param kinds how many kinds there are
     * @param error why it failed, when it did (it is retried at the next start)
     */
    public record Status(String tenant, State state, int kindsErased, int kinds, Optional<String> error) {}

    /**
     * A stored intent to delete a tenant.
     *
     * @param tenant the tenant
     * @param requestedBy the actor id who asked
     * @param requestedAt when
     */
    record Intent(String tenant, String requestedBy, Instant requestedAt) {}

    /** The persistent intents by tenant; replaced, stored as a map. */
    static final class Intents {
        final HashMap<String, Intent> intents = new HashMap<>();
        /** A deletion finished since the last start: compact again once nothing of this process holds its strings. */
        boolean compactAtStart;
    }

    private final ApplianceStore store;
    private final Intents intents;
    private final DataInventory inventory;
    private final Consumer<String> shutOut;
    private final Consumer<AuditEvent> audit;
    private final Consumer<String> shred;
    private final Map<String, Status> statuses = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("tenant-deletion").daemon().factory());

    /**
     * @param store where intents are kept
     * @param inventory the kinds to erase
     * @param shutOut disables a tenant and ends its sessions and tokens (identity)
     * @param audit receives the request and the tombstone
     * @param shred destroys the keys of the tenant's audit entries, after the tombstone (audit crypto-shredding)
     */
    public TenantDeletions(
            ApplianceStore store,
            DataInventory inventory,
            Consumer<String> shutOut,
            Consumer<AuditEvent> audit,
            Consumer<String> shred) {
        this.store = store;
        this.intents = store.section(SECTION, Intents.class, Intents::new);
        this.inventory = inventory;
        this.shutOut = shutOut;
        this.audit = audit;
        this.shred = shred;
    }

    /**
     * Records the intent to delete {@code tenant} durably and starts the deletion; a deletion already under way is
     * returned as it stands.
     */
    public Status request(String tenant, Actor actor, String requestId) {
        Intent intent;
        synchronized (intents) {
            Intent existing = intents.intents.get(tenant);
            if (existing != null) {
                return status(tenant).orElseThrow();
            }
            // The stored intent owns its strings: no other live object may hold them (see start()).
            intent = new Intent(new String(tenant), new String(actor.id()), Instant.now());
            intents.intents.put(tenant, intent);
            store.store(intents.intents);
        }
        audit.accept(AuditEvent.of("privacy.tenant.delete.request", tenant)
                .tenant(tenant)
                .actor(actor)
                .requestId(requestId)
                .success());
        return start(intent);
    }

    /** Starts the deletions a previous process left unfinished; returns how many. */
    public int resume() {
        List<Intent> unfinished;
        boolean compact;
        synchronized (intents) {
            unfinished = List.copyOf(intents.intents.values());
            compact = intents.compactAtStart;
        }
        if (compact) {
            // The store keeps records whose Java objects the previous process still held when it compacted.
            store.compact();
            synchronized (intents) {
                intents.compactAtStart = false;
                store.store(intents);
            }
        }
        for (Intent intent : unfinished) {
            LOG.log(INFO, "Resuming the deletion of a tenant requested at " + intent.requestedAt());
            start(intent);
        }
        return unfinished.size();
    }

    /** The progress of the deletion of {@code tenant} since this process started. */
    public Optional<Status> status(String tenant) {
        return Optional.ofNullable(statuses.get(tenant));
    }

    private Status start(Intent intent) {
        // The worker and the progress kept in memory hold copies, never the stored intent or its strings: the store
        // keeps every record whose Java object is still reachable (a later store could reference it again), and the
        // compaction at the end must find the intent unreachable.
        String name = new String(intent.tenant());
        String requestedBy = new String(intent.requestedBy());
        Instant requestedAt = intent.requestedAt();
        Status running = new Status(name, State.RUNNING, 0, inventory.kinds().size(), Optional.empty());
        statuses.put(name, running);
        worker.submit(() -> run(name, requestedBy, requestedAt));
        return running;
    }

    /** Runs one deletion to its end; every step is idempotent. */
    void run(String tenant, String requestedBy, Instant requestedAt) {
        List<TenantData> kinds = inventory.kinds();
        try {
            shutOut.accept(tenant);
            int erased = 0;
            for (TenantData kind : kinds) {
                kind.erase().accept(tenant);
                erased++;
                statuses.put(tenant, new Status(tenant, State.RUNNING, erased, kinds.size(), Optional.empty()));
            }
            // The tombstone is a platform entry, the only one left naming the tenant: it is not sealed under the
            // tenant's audit key, which is destroyed right after it. A crash between the two writes it twice.
            audit.accept(AuditEvent.of("privacy.tenant.delete", tenant)
                    .actor(Actor.system())
                    .field("requestedBy", requestedBy)
                    .field("requestedAt", requestedAt.toString())
                    .field(
                            "kinds",
                            String.join(
                                    ",", kinds.stream().map(TenantData::name).toList()))
                    .success());
            shred.accept(tenant);
            synchronized (intents) {
                intents.intents.remove(tenant);
                intents.compactAtStart = true;
                store.storeAll(List.of(intents.intents, intents));
            }
            // Erased records stay in the store's files until housekeeping moves live data out of them.
            store.compact();
            statuses.put(tenant, new Status(tenant, State.DONE, kinds.size(), kinds.size(), Optional.empty()));
        } catch (RuntimeException e) {
            LOG.log(WARNING, "Deleting a tenant failed; it is retried at the next start: " + e);
            audit.accept(AuditEvent.of("privacy.tenant.delete", tenant)
                    .tenant(tenant)
                    .actor(Actor.system())
                    .field("error", e.getClass().getSimpleName())
                    .failure());
            Status before = statuses.get(tenant);
            statuses.put(
                    tenant,
                    new Status(
                            tenant,
                            State.FAILED,
                            before == null ? 0 : before.kindsErased(),
                            kinds.size(),
                            Optional.of(e.getClass().getSimpleName())));
        }
    }

    /**
     * Has the next start compact the store once more (as after a tenant deletion): for a user deletion, whose erased
     * records the deleting process may still hold as Java objects.
     */
    public void compactAtNextStart() {
        synchronized (intents) {
            intents.compactAtStart = true;
            store.store(intents);
        }
    }

    /** Whether a deletion of {@code tenant} is recorded and not finished. */
    public boolean pending(String tenant) {
        synchronized (intents) {
            return intents.intents.containsKey(tenant);
        }
    }

    /** Stops the worker; an unfinished deletion stays recorded and resumes at the next start. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
