package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryJournalTest {
    private static final Instant THEN = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private static Delivery processed(String guid) {
        return new Delivery(
                -1, guid, "issues", "repo:1", "o/r", 7, Delivery.State.PROCESSED, 0, "", THEN, THEN, new byte[0]);
    }

    @Test
    void aDeliveryPrunedEarlierInABatchIsGoneForTheRestOfItAndMayBeStoredAnew() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of());
                DeliveryJournal journal = new DeliveryJournal(store)) {
            int total = 2 * DeliveryJournal.PAGE + 1;
            journal.commit(changes -> {
                for (int n = 0; n < total; n++) {
                    changes.put(processed("d" + n));
                }
                return null;
            });
            List<Object> seen = journal.commit(changes -> {
                int pruned = changes.prune(THEN.plusSeconds(1));
                Optional<Delivery> found = changes.find("d0");
                // As a replay or a redelivery in the same batch would: the guid is new again.
                Delivery again = changes.put(processed("d0"));
                return List.of(pruned, found.isPresent(), again.seq());
            });
            assertEquals(List.of(2 * DeliveryJournal.PAGE, false, (long) total), seen);
            assertEquals(total, journal.find("d0").orElseThrow().seq(), "stored anew, on the newest page");
            assertTrue(journal.find("d1").isEmpty());
            assertEquals(
                    List.of("d" + (total - 1), "d0"),
                    journal.all().stream().map(Delivery::guid).toList());
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of());
                DeliveryJournal journal = new DeliveryJournal(store)) {
            assertEquals(
                    List.of("d" + (2 * DeliveryJournal.PAGE), "d0"),
                    journal.all().stream().map(Delivery::guid).toList(),
                    "the pruning and the new entry are durable");
        }
    }
}
