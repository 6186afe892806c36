package ai.magicode.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRestoreTest {
    @TempDir
    Path temp;

    private Path dataDir() {
        return temp.resolve("data");
    }

    private Path backupDir() {
        return temp.resolve("backup");
    }

    @Test
    void restoreBringsBackExactlyTheBackupTimeDataAndKeepsThePreviousStore() throws IOException {
        Backup backup;
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            Notebook notebook = store.section("notes", Notebook.class, Notebook::new);
            notebook.add(store, "before backup");
            backup = store.backup(backupDir());
            notebook.add(store, "after backup");
            store.section("later", Notebook.class, Notebook::new).add(store, "new section");
        }
        assertEquals(ApplianceStore.SCHEMA_VERSION, backup.schemaVersion());
        assertEquals(backupDir(), backup.directory());
        assertTrue(backup.bytes() > 0);
        assertTrue(Files.isRegularFile(backupDir().resolve("backup.json")));
        Map<String, String> backupBefore = StoreFiles.contents(backupDir());

        Restore restore = ApplianceStore.restore(backupDir(), dataDir());

        assertEquals(backupDir(), restore.restoredFrom());
        assertEquals(ApplianceStore.SCHEMA_VERSION, restore.schemaVersion());
        Path previous = restore.previousStoreMovedTo().orElseThrow();
        assertTrue(previous.getFileName().toString().startsWith("store.before-restore-"), previous.toString());
        assertEquals(dataDir(), previous.getParent());
        assertEquals(backupBefore, StoreFiles.contents(backupDir()), "restore must never change the backup");
        try (Stream<Path> entries = Files.list(dataDir())) {
            assertEquals(
                    List.of("magicode.lock", "store", previous.getFileName().toString()),
                    entries.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging directory may be left behind");
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            assertEquals(
                    List.of("before backup"),
                    store.section("notes", Notebook.class, Notebook::new).texts());
            assertFalse(store.section("later", Notebook.class, Notebook::new)
                    .texts()
                    .contains("new section"));
        }
        // Nothing lost: the replaced store still opens with the later data.
        Path keptDataDir = temp.resolve("kept");
        Files.createDirectories(keptDataDir);
        Files.move(previous, keptDataDir.resolve("store"));
        try (ApplianceStore kept = ApplianceStore.open(keptDataDir, List.of())) {
            assertEquals(
                    List.of("before backup", "after backup"),
                    kept.section("notes", Notebook.class, Notebook::new).texts());
        }
    }

    @Test
    void restoreIntoAnEmptyDataDirHasNoPreviousStore() {
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            store.section("notes", Notebook.class, Notebook::new).add(store, "only");
            store.backup(backupDir());
        }
        Path fresh = temp.resolve("fresh");

        Restore restore = ApplianceStore.restore(backupDir(), fresh);

        assertTrue(restore.previousStoreMovedTo().isEmpty());
        try (ApplianceStore store = ApplianceStore.open(fresh, List.of())) {
            assertEquals(
                    List.of("only"),
                    store.section("notes", Notebook.class, Notebook::new).texts());
        }
    }

    @Test
    void backupWhileAnotherThreadKeepsWritingRestoresToAConsistentPrefix() throws Exception {
        int writes = 2_000;
        CountDownLatch halfWritten = new CountDownLatch(1);
        CountDownLatch backupStarted = new CountDownLatch(1);
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            Notebook notebook = store.section("notes", Notebook.class, Notebook::new);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < writes; i++) {
                    notebook.add(store, "note " + i);
                    if (i == writes / 2) {
                        halfWritten.countDown();
                        await(backupStarted);
                    }
                }
            });
            assertTrue(halfWritten.await(60, TimeUnit.SECONDS), "writer stalled");
            backupStarted.countDown();
            store.backup(backupDir());
            writer.get(60, TimeUnit.SECONDS);
            assertEquals(writes, notebook.texts().size());
        }

        ApplianceStore.restore(backupDir(), dataDir());

        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            List<Notebook.Note> restored = store.section("notes", Notebook.class, Notebook::new).notes;
            assertTrue(restored.size() > writes / 2, "backup lost notes written before it: " + restored.size());
            assertTrue(restored.size() <= writes);
            assertEquals(
                    IntStream.range(0, restored.size())
                            .mapToObj(i -> "note " + i)
                            .toList(),
                    restored.stream().map(Notebook.Note::text).toList(),
                    "the backup must hold a gap-free prefix of the writes");
        }
    }

    @Test
    void backupIntoANonEmptyDirectoryIsRefused() throws IOException {
        Files.createDirectories(backupDir());
        Files.writeString(backupDir().resolve("unrelated.txt"), "keep me");
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            StoreException refused = assertThrows(StoreException.class, () -> store.backup(backupDir()));
            assertEquals(StoreException.Kind.BAD_BACKUP, refused.kind());
            assertTrue(refused.getMessage().contains("is not empty"), refused.getMessage());
        }
        assertEquals(List.of("unrelated.txt"), names(backupDir()));
    }

    @Test
    void restoreRefusesABackupWithoutManifestAndLeavesTheDataDirUnchanged() throws IOException {
        prepareStoreAndBackup();
        Files.delete(backupDir().resolve("backup.json"));
        Map<String, String> before = StoreFiles.contents(dataDir());

        StoreException refused =
                assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), dataDir()));

        assertEquals(StoreException.Kind.BAD_BACKUP, refused.kind());
        assertTrue(refused.getMessage().contains("backup.json is missing"), refused.getMessage());
        assertEquals(before, StoreFiles.contents(dataDir()));
    }

    @Test
    void restoreRefusesABackupWithAFlippedByteAndLeavesTheDataDirUnchanged() throws IOException {
        prepareStoreAndBackup();
        Path dataFile = largestFile(backupDir().resolve("store"));
        byte[] bytes = Files.readAllBytes(dataFile);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(dataFile, bytes);
        Map<String, String> before = StoreFiles.contents(dataDir());

        StoreException refused =
                assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), dataDir()));

        assertEquals(StoreException.Kind.BAD_BACKUP, refused.kind());
        assertTrue(refused.getMessage().contains("checksum mismatch"), refused.getMessage());
        assertEquals(before, StoreFiles.contents(dataDir()));
    }

    @Test
    void restoreRefusesADataDirHeldByAnOpenStoreAndLeavesItUnchanged() {
        prepareStoreAndBackup();
        try (ApplianceStore running = ApplianceStore.open(dataDir(), List.of())) {
            Map<String, String> before = StoreFiles.contents(dataDir().resolve("store"));

            StoreException refused =
                    assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), dataDir()));

            assertEquals(StoreException.Kind.LOCKED, refused.kind());
            assertEquals(before, StoreFiles.contents(dataDir().resolve("store")));
            assertEquals(List.of("magicode.lock", "store"), names(dataDir()));
            assertEquals(
                    List.of("kept"),
                    running.section("notes", Notebook.class, Notebook::new).texts());
        }
    }

    @Test
    void restoreRefusesABackupFromANewerSchema() {
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of(), 2)) {
            store.backup(backupDir());
        }
        Path other = temp.resolve("other");

        StoreException refused = assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), other));

        assertEquals(StoreException.Kind.NEWER_SCHEMA, refused.kind());
        assertTrue(
                refused.getMessage().contains("schema version 2; this build supports up to 1"), refused.getMessage());
        assertFalse(Files.exists(other.resolve("store")));
    }

    @Test
    void restoreRefusesAStoreFileTheManifestDoesNotList() throws IOException {
        prepareStoreAndBackup();
        Files.writeString(backupDir().resolve("store").resolve("channel_0").resolve("extra.dat"), "x");
        Map<String, String> before = StoreFiles.contents(dataDir());

        StoreException refused =
                assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), dataDir()));

        assertEquals(StoreException.Kind.BAD_BACKUP, refused.kind());
        assertEquals(before, StoreFiles.contents(dataDir()));
    }

    @Test
    void restoreRefusesABackupWhoseStoreDoesNotOpenEvenWithMatchingChecksums() throws IOException {
        prepareStoreAndBackup();
        Path dataFile = backupDir().resolve("store").resolve("channel_0").resolve("channel_0_1.dat");
        byte[] bytes = Files.readAllBytes(dataFile);
        Files.write(dataFile, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Files.delete(backupDir().resolve("backup.json"));
        BackupManifest.describe(backupDir(), ApplianceStore.SCHEMA_VERSION, null, "2026-01-01T00:00:00Z")
                .write(backupDir());
        Map<String, String> before = StoreFiles.contents(dataDir());

        StoreException refused =
                assertThrows(StoreException.class, () -> ApplianceStore.restore(backupDir(), dataDir()));

        assertEquals(StoreException.Kind.BAD_BACKUP, refused.kind());
        assertTrue(refused.getMessage().contains("does not open"), refused.getMessage());
        assertTrue(refused.getMessage().contains("inconsistent"), refused.getMessage());
        assertEquals(before, StoreFiles.contents(dataDir()));
    }

    private void prepareStoreAndBackup() {
        try (ApplianceStore store = ApplianceStore.open(dataDir(), List.of())) {
            store.section("notes", Notebook.class, Notebook::new).add(store, "kept");
            store.backup(backupDir());
        }
    }

    private static Path largestFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
                    .orElseThrow();
        }
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("backup never started");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
