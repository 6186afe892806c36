package ai.magicode.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceStoreTest {
    @TempDir
    Path dataDir;

    @Test
    void reopenAfterCloseReturnsTheSameSectionData() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            Notebook notebook = store.section("notes", Notebook.class, Notebook::new);
            notebook.add(store, "first");
            notebook.add(store, "second");
            assertSame(notebook, store.section("notes", Notebook.class, Notebook::new));
            assertEquals(ApplianceStore.SCHEMA_VERSION, store.schemaVersion());
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            Notebook notebook = store.section("notes", Notebook.class, () -> {
                throw new AssertionError("section must come from disk");
            });
            assertEquals(List.of("first", "second"), notebook.texts());
            assertEquals(
                    new Notebook.Note(1, "second", java.time.Instant.ofEpochSecond(1_700_000_001L)),
                    notebook.notes.get(1));
        }
    }

    @Test
    void closeIsIdempotentAndRejectsLaterUse() {
        ApplianceStore store = ApplianceStore.open(dataDir, List.of());
        assertTrue(store.isOpen());
        store.close();
        store.close();
        assertFalse(store.isOpen());
        assertThrows(IllegalStateException.class, () -> store.store(new ArrayList<>()));
    }

    @Test
    void sectionOfAnotherTypeIsRejected() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            store.section("notes", Notebook.class, Notebook::new);
            assertThrows(IllegalArgumentException.class, () -> store.section("notes", ArrayList.class, ArrayList::new));
        }
    }

    @Test
    void secondOpenOfTheSameDataDirIsLockedUntilTheFirstCloses() {
        ApplianceStore first = ApplianceStore.open(dataDir, List.of());
        StoreException locked = assertThrows(StoreException.class, () -> ApplianceStore.open(dataDir, List.of()));
        assertEquals(StoreException.Kind.LOCKED, locked.kind());
        String pid = Long.toString(ProcessHandle.current().pid());
        assertTrue(locked.getMessage().contains("pid " + pid), locked.getMessage());
        assertTrue(locked.getMessage().contains(dataDir.toString()), locked.getMessage());
        assertTrue(first.isOpen(), "a refused second open must not disturb the first");

        first.close();
        try (ApplianceStore again = ApplianceStore.open(dataDir, List.of())) {
            assertTrue(again.isOpen());
        }
    }

    @Test
    void newerSchemaIsRefusedAndTheStoreIsUntouched() {
        ApplianceStore.open(dataDir, List.of(), 3).close();
        Map<String, String> before = StoreFiles.contentsAndTimes(dataDir.resolve("store"));

        StoreException refused = assertThrows(StoreException.class, () -> ApplianceStore.open(dataDir, List.of()));

        assertEquals(StoreException.Kind.NEWER_SCHEMA, refused.kind());
        assertTrue(
                refused.getMessage().contains("schema version 3; this build supports up to 1"), refused.getMessage());
        assertTrue(refused.getMessage().contains(dataDir.resolve("store").toString()), refused.getMessage());
        assertEquals(before, StoreFiles.contentsAndTimes(dataDir.resolve("store")));
        // The refusal released the lock.
        ApplianceStore.open(dataDir, List.of(), 3).close();
    }

    @Test
    void newerSchemaInTheRootIsRefusedEvenWithoutTheVersionFile() throws Exception {
        ApplianceStore.open(dataDir, List.of(), 3).close();
        Files.delete(dataDir.resolve("store").resolve(ApplianceStore.VERSION_FILE));

        StoreException refused = assertThrows(StoreException.class, () -> ApplianceStore.open(dataDir, List.of()));

        assertEquals(StoreException.Kind.NEWER_SCHEMA, refused.kind());
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of(), 3)) {
            assertEquals(3, store.schemaVersion());
        }
    }

    @Test
    void migrationsRunInOrderFromAnOlderVersionAndPersist() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of(), 0)) {
            store.section("notes", Notebook.class, Notebook::new).add(store, "v0");
        }
        List<Integer> applied = new ArrayList<>();
        // Deliberately listed out of order: the store orders them by fromVersion.
        List<Migration> migrations = List.of(
                migration(1, applied, root -> notebook(root).notes.add(new Notebook.Note(2, "v2", null))),
                migration(0, applied, root -> notebook(root).notes.add(new Notebook.Note(1, "v1", null))));

        try (ApplianceStore store = ApplianceStore.open(dataDir, migrations, 2)) {
            assertEquals(List.of(0, 1), applied);
            assertEquals(2, store.schemaVersion());
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir, migrations, 2)) {
            assertEquals(List.of(0, 1), applied, "an up-to-date store runs no migration");
            assertEquals(2, store.schemaVersion());
            assertEquals(
                    List.of("v0", "v1", "v2"),
                    store.section("notes", Notebook.class, Notebook::new).texts());
        }
    }

    @Test
    void missingMigrationStepIsAnErrorAndLeavesTheStoreAtItsVersion() {
        ApplianceStore.open(dataDir, List.of(), 0).close();
        List<Integer> applied = new ArrayList<>();

        StoreException missing = assertThrows(
                StoreException.class,
                () -> ApplianceStore.open(dataDir, List.of(migration(1, applied, root -> {})), 2));

        assertEquals(StoreException.Kind.MISSING_MIGRATION, missing.kind());
        assertTrue(missing.getMessage().contains("no migration from version 0 to 1"), missing.getMessage());
        assertEquals(List.of(), applied, "no step may run when the chain is incomplete");
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of(), 0)) {
            assertEquals(0, store.schemaVersion());
        }
    }

    @Test
    void failedMigrationKeepsTheStoreAtTheLastCompletedVersion() {
        ApplianceStore.open(dataDir, List.of(), 0).close();
        List<Integer> applied = new ArrayList<>();
        List<Migration> migrations = List.of(migration(0, applied, root -> {}), migration(1, applied, root -> {
            throw new IllegalStateException("boom");
        }));

        StoreException failed = assertThrows(StoreException.class, () -> ApplianceStore.open(dataDir, migrations, 2));

        assertEquals(StoreException.Kind.MIGRATION_FAILED, failed.kind());
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of(), 1)) {
            assertEquals(1, store.schemaVersion());
        }
    }

    /** Two value types the store has never seen, so storing each writes the type dictionary from the caller. */
    record FirstNew(String text) {}

    record SecondNew(String text) {}

    @Test
    void anInterruptedWriterLeavesTheStoreUsableByOthersAndKeepsItsInterrupt() throws Exception {
        // The executors' shutdownNow interrupts threads that may be storing; Eclipse Serializer writes a new type's
        // dictionary entry on the storing thread, and an interrupt there used to leave the dictionary file held by
        // that thread, so the next writer of a new type failed (seen at Appliance.close in AgentIT).
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            ArrayList<Object> first = store.section("first", ArrayList.class, ArrayList::new);
            ArrayList<Object> second = store.section("second", ArrayList.class, ArrayList::new);
            java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                    new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean stillInterrupted =
                    new java.util.concurrent.atomic.AtomicBoolean();
            Thread interrupted = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    synchronized (first) {
                        first.add(new FirstNew("written by an interrupted thread"));
                        store.store(first);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            interrupted.start();
            interrupted.join();
            assertEquals(null, failure.get(), "the interrupted thread's store");
            assertTrue(stillInterrupted.get(), "the caller's interrupt is kept for its own code to see");
            synchronized (second) {
                second.add(new SecondNew("written after it"));
                store.store(second);
            }
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            assertEquals(
                    List.of(new FirstNew("written by an interrupted thread")),
                    store.section("first", ArrayList.class, ArrayList::new));
            assertEquals(
                    List.of(new SecondNew("written after it")),
                    store.section("second", ArrayList.class, ArrayList::new));
        }
    }

    private static Notebook notebook(StoreRoot root) {
        return (Notebook) root.sections().get("notes");
    }

    private static Migration migration(int from, List<Integer> applied, Consumer<StoreRoot> change) {
        return new Migration() {
            @Override
            public int fromVersion() {
                return from;
            }

            @Override
            public void migrate(StoreRoot root) {
                applied.add(from);
                change.accept(root);
            }

            @Override
            public String description() {
                return "test step from " + from;
            }
        };
    }
}
