package ai.magicode.appliance.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {
    @TempDir
    Path dataDir;

    private Process holder;

    @AfterEach
    void stopHolder() {
        if (holder != null) {
            holder.destroyForcibly();
        }
    }

    @Test
    void lockHeldByAnotherProcessIsReportedWithItsPidAndFreedWhenItDies() throws Exception {
        holder = startHolder(dataDir);

        StoreException locked = assertThrows(StoreException.class, () -> ApplianceStore.open(dataDir, List.of()));

        assertEquals(StoreException.Kind.LOCKED, locked.kind());
        assertEquals(
                "Another MagiCode process (pid " + holder.pid() + ") is using data dir " + dataDir.toRealPath()
                        + "; stop it or choose another MAGICODE_DATA_DIR",
                locked.getMessage());
        StoreException restoreLocked =
                assertThrows(StoreException.class, () -> ApplianceStore.restore(dataDir.resolve("none"), dataDir));
        assertEquals(StoreException.Kind.BAD_BACKUP, restoreLocked.kind(), "the backup is checked before the lock");

        // A killed process cannot clean up: the OS releases its lock.
        holder.destroyForcibly();
        assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "lock holder did not die");
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            assertTrue(store.isOpen());
            assertEquals(
                    Long.toString(ProcessHandle.current().pid()),
                    Files.readString(dataDir.resolve(DataDirLock.FILE_NAME)).trim());
        }
    }

    @Test
    void lockIsReleasedOnCloseAndCanBeTakenAgain() {
        DataDirLock first = DataDirLock.acquire(dataDir);
        assertEquals(
                StoreException.Kind.LOCKED,
                assertThrows(StoreException.class, () -> DataDirLock.acquire(dataDir))
                        .kind());
        first.close();
        DataDirLock.acquire(dataDir).close();
    }

    private static Process startHolder(Path dataDir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        LockHolder.class.getName(),
                        dataDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .get(60, TimeUnit.SECONDS);
        assertEquals("locked", line, "lock holder did not report the lock");
        return process;
    }
}
