package ai.magicode.appliance.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.eclipse.serializer.persistence.types.Storer;
import org.eclipse.store.afs.nio.types.NioFileSystem;
import org.eclipse.store.storage.embedded.types.EmbeddedStorage;
import org.eclipse.store.storage.embedded.types.EmbeddedStorageManager;
import org.eclipse.store.storage.types.Storage;

/**
 * The appliance's one Eclipse Store database in {@code DATA_DIR/store}: exclusive per data dir, versioned and migrated
 * on open, with online backup and offline restore. Features keep their persistent state in a {@link #section}; see
 * {@link StoreRoot} for how to change it safely.
 */
public final class ApplianceStore implements AutoCloseable {
    /** The schema version this build writes. */
    public static final int SCHEMA_VERSION = 1;

    static final String STORE_DIR = "store";
    /**
     * Mirrors the root's schema version outside the object graph, so a newer store is refused before Eclipse Store
     * starts: starting it may write files, and fails on classes a newer build added before the root can be read.
     */
    static final String VERSION_FILE = "magicode-schema-version";

    private static final System.Logger LOG = System.getLogger(ApplianceStore.class.getName());
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path dataDir;
    private final DataDirLock lock;
    private final EmbeddedStorageManager storage;
    private final StoreRoot root;
    private final FileEvaluator files;
    // Read side: store, section, backup; write side: close, so storage never shuts down under a running call.
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /**
     * One storer at a time: two threads storing new objects at once can deadlock inside Eclipse Serializer (each
     * holds its storer's item lock or the object registry and waits for the other; seen with a webhook handler storing
     * while the delivery journal committed).
     */
    private final Object storing = new Object();
    /**
     * The one thread every write runs on. Eclipse Serializer writes a new type's entry of the type dictionary on the
     * storing thread, and an interrupt there (an executor's {@code shutdownNow} of a thread that was storing) closes
     * the file's channel and leaves the file held by that thread, so every later writer of a new type fails. Nobody
     * interrupts this thread; callers wait for it without being interruptible and keep their interrupt.
     */
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "store-writer");
        thread.setDaemon(true);
        return thread;
    });

    private volatile boolean open = true;

    private ApplianceStore(
            Path dataDir, DataDirLock lock, EmbeddedStorageManager storage, StoreRoot root, FileEvaluator files) {
        this.dataDir = dataDir;
        this.files = files;
        this.lock = lock;
        this.storage = storage;
        this.root = root;
    }

    /**
     * Opens (or creates) {@code DATA_DIR/store}, taking {@code DATA_DIR/magicode.lock} first; runs migrations from
     * the stored version up to {@link #SCHEMA_VERSION}; refuses a store written by a newer version.
     *
     * @throws StoreException when the data dir is locked, the store is newer or unreadable, or a migration is missing
     *     or fails
     */
    public static ApplianceStore open(Path dataDir, List<Migration> migrations) {
        return open(dataDir, migrations, SCHEMA_VERSION);
    }

    /** {@link #open(Path, List)} with another target version, so tests can create and migrate older stores. */
    static ApplianceStore open(Path dataDir, List<Migration> migrations, int targetVersion) {
        Path dir = dataDir.toAbsolutePath().normalize();
        createDirectories(dir);
        DataDirLock lock = DataDirLock.acquire(dir);
        try {
            Path storeDir = dir.resolve(STORE_DIR);
            OptionalInt recorded = readVersionFile(storeDir);
            if (recorded.isPresent() && recorded.getAsInt() > targetVersion) {
                throw newerSchema(storeDir, recorded.getAsInt(), targetVersion);
            }
            FileEvaluator files = new FileEvaluator();
            EmbeddedStorageManager storage = startStorage(storeDir, files);
            try {
                StoreRoot root = rootOf(storage, storeDir, targetVersion);
                migrate(storage, root, plan(migrations, root.schemaVersion(), targetVersion, storeDir), storeDir);
                writeVersionFile(storeDir, root.schemaVersion());
                LOG.log(Level.INFO, "Opened store {0} at schema version {1}", storeDir, root.schemaVersion());
                return new ApplianceStore(dir, lock, storage, root, files);
            } catch (RuntimeException e) {
                storage.shutdown();
                throw e;
            }
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static EmbeddedStorageManager startStorage(Path storeDir, FileEvaluator files) {
        try {
            return EmbeddedStorage.Foundation(Storage.ConfigurationBuilder()
                            .setStorageFileProvider(Storage.FileProvider(storeDir))
                            .setDataFileEvaluator(files))
                    .start();
        } catch (RuntimeException e) {
            throw new StoreException(
                    StoreException.Kind.CORRUPT,
                    "The store at " + storeDir + " cannot be read (" + causes(e) + "); restore a backup",
                    e);
        }
    }

    /** The messages of a Throwable's cause chain: Eclipse Store's outer messages alone rarely say what broke. */
    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null && text.length() < 500; t = t.getCause()) {
            String message =
                    t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (!text.toString().contains(message)) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }

    private static StoreRoot rootOf(EmbeddedStorageManager storage, Path storeDir, int targetVersion) {
        Object existing = storage.root();
        if (existing == null) {
            StoreRoot created = new StoreRoot(targetVersion, Instant.now());
            storage.setRoot(created);
            storage.storeRoot();
            LOG.log(Level.INFO, "Created store {0} at schema version {1}", storeDir, targetVersion);
            return created;
        }
        if (!(existing instanceof StoreRoot root)) {
            throw new StoreException(
                    StoreException.Kind.CORRUPT,
                    "The store at " + storeDir + " is not a MagiCode store (its root is a "
                            + existing.getClass().getName() + ")");
        }
        if (root.schemaVersion() > targetVersion) {
            throw newerSchema(storeDir, root.schemaVersion(), targetVersion);
        }
        return root;
    }

    private static StoreException newerSchema(Path storeDir, int stored, int supported) {
        return new StoreException(
                StoreException.Kind.NEWER_SCHEMA,
                "The store at " + storeDir + " was written by schema version " + stored + "; this build supports up to "
                        + supported + ": upgrade MagiCode or restore a backup");
    }

    /** The steps from {@code from} to {@code to}, all checked before any is applied. */
    private static List<Migration> plan(List<Migration> migrations, int from, int to, Path storeDir) {
        Map<Integer, Migration> byVersion = new HashMap<>();
        for (Migration migration : migrations) {
            if (byVersion.put(migration.fromVersion(), migration) != null) {
                throw new IllegalArgumentException("Two migrations start at schema version " + migration.fromVersion());
            }
        }
        List<Migration> steps = new ArrayList<>();
        for (int version = from; version < to; version++) {
            Migration step = byVersion.get(version);
            if (step == null) {
                throw new StoreException(
                        StoreException.Kind.MISSING_MIGRATION,
                        "The store at " + storeDir + " has schema version " + from + " but this build has no migration"
                                + " from version " + version + " to " + (version + 1) + "; the store was not changed");
            }
            steps.add(step);
        }
        return steps;
    }

    private static void migrate(EmbeddedStorageManager storage, StoreRoot root, List<Migration> steps, Path storeDir) {
        for (Migration step : steps) {
            int from = step.fromVersion();
            try {
                step.migrate(root);
            } catch (RuntimeException e) {
                throw new StoreException(
                        StoreException.Kind.MIGRATION_FAILED,
                        "Migrating the store at " + storeDir + " from schema version " + from + " to " + (from + 1)
                                + " (" + step.description() + ") failed: " + e + "; the store stays at version "
                                + from,
                        e);
            }
            root.schemaVersion(from + 1);
            // Migrations change objects anywhere in the graph: store all of it, in one atomic commit per step.
            Storer storer = storage.createEagerStorer();
            storer.store(root);
            storer.commit();
            LOG.log(
                    Level.INFO,
                    "Migrated store {0} from schema version {1} to {2}: {3}",
                    storeDir,
                    from,
                    from + 1,
                    step.description());
        }
    }

    /**
     * A feature's persistent section of the root, created by {@code initial} (and stored) the first time; the same
     * instance afterwards, also after reopening. The feature synchronizes its own mutations of the returned object and
     * calls {@link #store(Object)} with each changed object.
     *
     * @throws IllegalArgumentException when the section holds another type
     */
    public <T> T section(String name, Class<T> type, Supplier<T> initial) {
        lifecycle.readLock().lock();
        try {
            requireOpen();
            Map<String, Object> sections = root.sections();
            synchronized (sections) {
                Object existing = sections.get(name);
                if (existing == null) {
                    T created = Objects.requireNonNull(initial.get(), "initial value of section " + name);
                    sections.put(name, created);
                    synchronized (storing) {
                        write(() -> storage.store(sections));
                    }
                    return created;
                }
                if (!type.isInstance(existing)) {
                    throw new IllegalArgumentException("Store section " + name + " holds a "
                            + existing.getClass().getName() + ", not a " + type.getName());
                }
                return type.cast(existing);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Persists the given (changed) object of the graph durably before returning, with every object it references
     * that was never stored; already stored objects it references must be stored themselves when they changed.
     */
    public void store(Object changed) {
        Objects.requireNonNull(changed, "changed");
        lifecycle.readLock().lock();
        try {
            requireOpen();
            synchronized (storing) {
                write(() -> storage.store(changed));
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Persists all the given changed objects in one atomic commit, durable before returning: either every one of
     * them is stored or, after a crash, none is. Features that batch writes (group commit) use this.
     */
    public void storeAll(Collection<?> changed) {
        Objects.requireNonNull(changed, "changed");
        if (changed.isEmpty()) {
            return;
        }
        lifecycle.readLock().lock();
        try {
            requireOpen();
            synchronized (storing) {
                write(() -> {
                    Storer storer = storage.createStorer();
                    for (Object object : changed) {
                        storer.store(object);
                    }
                    storer.commit();
                });
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Garbage-collects the object graph and rewrites every store file that holds unreachable records, so that
     * erased data (a deleted tenant's) leaves the files instead of waiting for background housekeeping.
     */
    public void compact() {
        lifecycle.readLock().lock();
        try {
            requireOpen();
            synchronized (files) {
                files.compacting(true);
                try {
                    // A write, so that the head file is retired and can be rewritten like the others.
                    synchronized (storing) {
                        write(() -> storage.store(root.sections()));
                    }
                    for (int pass = 0; pass < 2; pass++) {
                        // The store keeps every record whose Java object its object registry still holds (weakly),
                        // since a later store could reference it again: let the JVM clear those first.
                        System.gc();
                        storage.issueFullGarbageCollection();
                        storage.issueFullFileCheck();
                    }
                } finally {
                    files.compacting(false);
                }
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The names of the feature sections the store holds now (for the data inventory's completeness check). */
    public java.util.Set<String> sectionNames() {
        synchronized (root.sections()) {
            return java.util.Set.copyOf(root.sections().keySet());
        }
    }

    /** Whether the store is open (not yet closed). */
    public boolean isOpen() {
        return open;
    }

    /** The schema version of the open store (equal to the target version once migrations ran). */
    public int schemaVersion() {
        return root.schemaVersion();
    }

    /** The data dir this store holds the lock of. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Takes a consistent full backup while the store stays open and in use, into the empty or new directory
     * {@code to}: the store files under {@code to/store} and the manifest {@code to/backup.json}.
     *
     * @throws StoreException {@code BAD_BACKUP} when {@code to} is not empty, {@code IO} when writing fails
     */
    public Backup backup(Path to) {
        return backup(to, target -> {});
    }

    /**
     * A {@link #backup(Path)} that also holds what {@code alongside} writes into the backup directory (other
     * directories of the data dir, such as the audit log) before the manifest lists and checksums every file.
     * {@link #restore} puts those directories back where the data dir lacks them.
     */
    public Backup backup(Path to, Consumer<Path> alongside) {
        Path target = to.toAbsolutePath().normalize();
        lifecycle.readLock().lock();
        try {
            requireOpen();
            if (target.startsWith(dataDir.resolve(STORE_DIR))) {
                throw new StoreException(
                        StoreException.Kind.BAD_BACKUP, "Cannot back up into the store itself (" + target + ")");
            }
            requireEmptyDirectory(target);
            Instant createdAt = Instant.now();
            Path storeCopy = target.resolve(STORE_DIR);
            int version = root.schemaVersion();
            try {
                // Runs inside the storage's channel threads between stores, so it sees one committed state.
                storage.issueFullBackup(NioFileSystem.New().ensureDirectory(storeCopy));
            } catch (RuntimeException e) {
                throw new StoreException(
                        StoreException.Kind.IO,
                        "Backup to " + target + " failed (" + causes(e) + "); empty it and try again",
                        e);
            }
            writeVersionFile(storeCopy, version);
            alongside.accept(target);
            BackupManifest manifest = BackupManifest.describe(target, version, appVersion(), createdAt.toString());
            manifest.write(target);
            LOG.log(
                    Level.INFO,
                    "Backed up store {0} to {1}: {2} files, {3} bytes",
                    dataDir.resolve(STORE_DIR),
                    target,
                    manifest.files().size(),
                    manifest.bytes());
            return new Backup(target, version, manifest.bytes(), createdAt);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private static void requireEmptyDirectory(Path target) {
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new StoreException(
                        StoreException.Kind.BAD_BACKUP, "Backup target " + target + " is a file, not a directory");
            }
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new StoreException(
                            StoreException.Kind.BAD_BACKUP,
                            "Backup target " + target + " is not empty; choose a new or empty directory");
                }
            } catch (IOException e) {
                throw new StoreException(StoreException.Kind.IO, "Cannot read backup target " + target + ": " + e, e);
            }
        }
        createDirectories(target);
    }

    /**
     * Restores the backup in {@code from} into {@code dataDir} while no process holds that data dir. The backup is
     * validated first (manifest present, checksums match, schema version not newer than {@link #SCHEMA_VERSION}, the
     * store opens) on a copy next to the target; then the current {@code DATA_DIR/store} is moved aside to
     * {@code DATA_DIR/store.before-restore-<timestamp>} and the copy renamed into place. Other directories of the
     * backup (such as the audit log) are put back only where the data dir lacks them or has them empty: a log that
     * is still there is newer than any backup of it. A failed restore leaves the data dir as it was; the backup
     * itself is never changed.
     *
     * @throws StoreException {@code BAD_BACKUP}, {@code NEWER_SCHEMA}, {@code LOCKED} or {@code IO}
     */
    public static Restore restore(Path from, Path dataDir) {
        return restore(from, dataDir, SCHEMA_VERSION);
    }

    static Restore restore(Path from, Path dataDir, int supportedVersion) {
        Path source = from.toAbsolutePath().normalize();
        Path dir = dataDir.toAbsolutePath().normalize();
        BackupManifest manifest = BackupManifest.read(source);
        if (manifest.schemaVersion() > supportedVersion) {
            throw new StoreException(
                    StoreException.Kind.NEWER_SCHEMA,
                    "The backup at " + source + " was written by schema version " + manifest.schemaVersion()
                            + "; this build supports up to " + supportedVersion + ": upgrade MagiCode to restore it");
        }
        createDirectories(dir);
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            String stamp = STAMP.format(Instant.now());
            Path staging = unused(dir.resolve("store.restoring-" + stamp));
            try {
                copyTree(source, staging);
                manifest.verify(staging);
                Path stagedStore = staging.resolve(STORE_DIR);
                validateStore(source, stagedStore, manifest.schemaVersion());
                Path current = dir.resolve(STORE_DIR);
                Optional<Path> movedAside = Optional.empty();
                if (Files.exists(current)) {
                    Path aside = unused(dir.resolve("store.before-restore-" + stamp));
                    Files.move(current, aside, StandardCopyOption.ATOMIC_MOVE);
                    movedAside = Optional.of(aside);
                }
                try {
                    Files.move(stagedStore, current, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (movedAside.isPresent()) {
                        Files.move(movedAside.get(), current, StandardCopyOption.ATOMIC_MOVE);
                    }
                    throw e;
                }
                List<String> restored = new ArrayList<>();
                List<String> kept = new ArrayList<>();
                restoreAlongside(staging, dir, restored, kept);
                deleteTreeQuietly(staging);
                LOG.log(
                        Level.INFO,
                        "Restored store {0} from backup {1} (schema version {2}); the previous store is {3}",
                        current,
                        source,
                        manifest.schemaVersion(),
                        movedAside.map(Path::toString).orElse("absent"));
                return new Restore(source, movedAside, manifest.schemaVersion(), restored, kept);
            } catch (IOException e) {
                deleteTreeQuietly(staging);
                throw new StoreException(
                        StoreException.Kind.IO, "Restoring " + source + " into " + dir + " failed: " + e, e);
            } catch (RuntimeException e) {
                deleteTreeQuietly(staging);
                throw e;
            }
        }
    }

    /** Moves the backup's other directories into {@code dir} where it lacks them; lists what it did in each case. */
    private static void restoreAlongside(Path staging, Path dir, List<String> restored, List<String> kept)
            throws IOException {
        List<Path> others;
        try (Stream<Path> list = Files.list(staging)) {
            others = list.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().equals(STORE_DIR))
                    .sorted()
                    .toList();
        }
        for (Path other : others) {
            String name = other.getFileName().toString();
            Path target = dir.resolve(name);
            if (Files.isDirectory(target) && !isEmptyDirectory(target)) {
                kept.add(name);
                continue;
            }
            Files.deleteIfExists(target);
            Files.move(other, target, StandardCopyOption.ATOMIC_MOVE);
            restored.add(name);
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.findAny().isEmpty();
        }
    }

    /** Starts Eclipse Store on the staged copy to prove it opens and holds the version the manifest claims. */
    private static void validateStore(Path source, Path stagedStore, int expectedVersion) {
        if (!Files.isDirectory(stagedStore)) {
            throw new StoreException(
                    StoreException.Kind.BAD_BACKUP, "The backup at " + source + " has no " + STORE_DIR + " directory");
        }
        EmbeddedStorageManager storage;
        try {
            storage = startStorage(stagedStore, new FileEvaluator());
        } catch (StoreException e) {
            throw new StoreException(
                    StoreException.Kind.BAD_BACKUP,
                    "The store in the backup at " + source + " does not open: " + causes(e.getCause()),
                    e);
        }
        try {
            if (!(storage.root() instanceof StoreRoot root)) {
                throw new StoreException(
                        StoreException.Kind.BAD_BACKUP, "The backup at " + source + " holds no MagiCode store");
            }
            if (root.schemaVersion() != expectedVersion) {
                throw new StoreException(
                        StoreException.Kind.BAD_BACKUP,
                        "The backup at " + source + " has schema version " + root.schemaVersion()
                                + " but its manifest says " + expectedVersion);
            }
        } finally {
            storage.shutdown();
        }
    }

    /** Closes the storage and releases the data dir's lock; does nothing when already closed. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!open) {
                return;
            }
            open = false;
            try {
                storage.shutdown();
            } finally {
                writer.shutdown();
                lock.close();
            }
            LOG.log(Level.INFO, "Closed store {0}", dataDir.resolve(STORE_DIR));
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Runs one write on {@link #writer} and waits for it uninterruptibly; the caller holds {@link #storing}. */
    private void write(Runnable write) {
        try {
            CompletableFuture.runAsync(write, writer).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                // The writer's stack alone does not say which feature's write failed.
                runtime.addSuppressed(new Exception("The write was asked for by " + Thread.currentThread()));
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private void requireOpen() {
        if (!open) {
            throw new IllegalStateException("The store in " + dataDir + " is closed");
        }
    }

    private static String appVersion() {
        return ApplianceStore.class.getPackage().getImplementationVersion();
    }

    static OptionalInt readVersionFile(Path storeDir) {
        Path file = storeDir.resolve(VERSION_FILE);
        try {
            return OptionalInt.of(Integer.parseInt(
                    Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            // The root is authoritative; the file only lets a newer store be refused early.
            LOG.log(Level.WARNING, "Ignoring unreadable {0}: {1}", file, e.toString());
            return OptionalInt.empty();
        }
    }

    private static void writeVersionFile(Path storeDir, int version) {
        Path file = storeDir.resolve(VERSION_FILE);
        Path temp = storeDir.resolve(VERSION_FILE + ".tmp");
        try {
            Files.writeString(temp, version + "\n", StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot write " + file + ": " + e, e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "Cannot create directory " + dir + ": " + e, e);
        }
    }

    private static Path unused(Path candidate) {
        Path path = candidate;
        for (int n = 2; Files.exists(path); n++) {
            path = candidate.resolveSibling(candidate.getFileName() + "-" + n);
        }
        return path;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTreeQuietly(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not delete {0}: {1}", root, e.toString());
        }
    }
}
