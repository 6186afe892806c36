package ai.magicode.appliance.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The exclusive OS lock on {@code DATA_DIR/magicode.lock}, holding the owner's pid for error messages. An OS lock,
 * unlike a bare pid file, is released when a crashed process dies. The file itself is never deleted: deleting a lock
 * file while another process has it open would let two processes lock two different files.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE_NAME = "magicode.lock";

    /*
     * Data dirs locked by this JVM. Checked before opening a second channel because on Linux closing any channel on a
     * file releases all of the process's locks on it, including the one held through the first channel.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks the existing directory {@code dataDir} or throws a {@link StoreException.Kind#LOCKED} naming the holder. */
    static DataDirLock acquire(Path dataDir) {
        Path key;
        try {
            key = dataDir.toRealPath();
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot use data dir " + dataDir + ": " + e, e);
        }
        long self = ProcessHandle.current().pid();
        if (!HELD.add(key)) {
            throw new StoreException(
                    StoreException.Kind.LOCKED,
                    "This MagiCode process (pid " + self + ") already has data dir " + key
                            + " open; close it first or choose another MAGICODE_DATA_DIR");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    key.resolve(FILE_NAME),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw new StoreException(
                        StoreException.Kind.LOCKED,
                        "Another MagiCode process (pid " + holderPid(channel) + ") is using data dir " + key
                                + "; stop it or choose another MAGICODE_DATA_DIR");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((self + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(true);
            return new DataDirLock(key, channel, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            HELD.remove(key);
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(
                    StoreException.Kind.IO, "Cannot lock data dir " + key + " (" + FILE_NAME + "): " + e, e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // Held through another channel of this JVM that HELD does not know of (another class loader).
            return null;
        }
    }

    private static String holderPid(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return text.matches("\\d+") ? text : "unknown";
    }

    /** The data dir as a real path. */
    Path dataDir() {
        return key;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel below releases the lock as well.
        } finally {
            closeQuietly(channel);
            HELD.remove(key);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing left to release.
            }
        }
    }
}
