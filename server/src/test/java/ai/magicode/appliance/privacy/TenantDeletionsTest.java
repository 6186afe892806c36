package ai.magicode.appliance.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantDeletionsTest {
    @TempDir
    Path dataDir;

    private final List<String> erased = new CopyOnWriteArrayList<>();
    private final List<String> shutOut = new CopyOnWriteArrayList<>();
    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    private final List<String> shredded = new CopyOnWriteArrayList<>();
    /** How many events were audited when the tenant's audit keys were destroyed. */
    private volatile int auditedBeforeShred = -1;

    private void shred(String tenant) {
        auditedBeforeShred = audited.size();
        shredded.add(tenant);
    }

    @Test
    void deletionInterruptedMidwayResumesAtTheNextStartAndFinishes() {
        AtomicBoolean crash = new AtomicBoolean(true);
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of());
                TenantDeletions deletions =
                        new TenantDeletions(store, inventory(crash), shutOut::add, audited::add, this::shred)) {
            deletions.request("acme", Actor.user("root"), "req-1");
            assertEquals(TenantDeletions.State.FAILED, await(deletions, "acme"));
            assertTrue(deletions.pending("acme"), "the intent stays recorded after a failure");
            assertEquals(List.of("first:acme"), erased, "the second kind was cut short");
        }
        crash.set(false);
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of());
                TenantDeletions deletions =
                        new TenantDeletions(store, inventory(crash), shutOut::add, audited::add, this::shred)) {
            assertTrue(deletions.pending("acme"), "the intent survived the restart");
            assertEquals(1, deletions.resume());
            assertEquals(TenantDeletions.State.DONE, await(deletions, "acme"));
            assertFalse(deletions.pending("acme"));
            assertEquals(List.of("first:acme", "first:acme", "second:acme"), erased, "each step ran again");
            assertEquals(List.of("acme", "acme"), shutOut);
        }
        AuditEvent tombstone = audited.getLast();
        assertEquals("privacy.tenant.delete", tombstone.action());
        assertEquals("acme", tombstone.target());
        assertEquals("root", tombstone.fields().get("requestedBy"));
        assertEquals(AuditEvent.PLATFORM, tombstone.tenant(), "the tombstone is not sealed under the tenant's key");
        assertEquals(List.of("acme"), shredded, "the tenant's audit keys are destroyed once the deletion succeeds");
        assertEquals(audited.size(), auditedBeforeShred, "after the tombstone");
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of());
                TenantDeletions deletions =
                        new TenantDeletions(store, inventory(crash), shutOut::add, audited::add, this::shred)) {
            assertEquals(0, deletions.resume(), "nothing is left to resume");
        }
    }

    private DataInventory inventory(AtomicBoolean crash) {
        return new DataInventory()
                .register(new TenantData(
                        "first", "memory", "test", "test", List.of(), (t, s) -> {}, t -> erased.add("first:" + t)))
                .register(new TenantData("second", "memory", "test", "test", List.of(), (t, s) -> {}, t -> {
                    if (crash.get()) {
                        throw new IllegalStateException("power cut");
                    }
                    erased.add("second:" + t);
                }));
    }

    private static TenantDeletions.State await(TenantDeletions deletions, String tenant) {
        Instant deadline = Instant.now().plusSeconds(30);
        TenantDeletions.State state = TenantDeletions.State.RUNNING;
        while (state == TenantDeletions.State.RUNNING && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = deletions.status(tenant).map(TenantDeletions.Status::state).orElse(TenantDeletions.State.RUNNING);
        }
        return state;
    }
}
