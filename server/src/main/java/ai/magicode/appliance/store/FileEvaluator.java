package ai.magicode.appliance.store;

import org.eclipse.store.storage.types.Storage;
import org.eclipse.store.storage.types.StorageDataFileEvaluator;
import org.eclipse.store.storage.types.StorageLiveDataFile;

/**
 * Eclipse Store's housekeeping rule for rewriting data files, with a compaction mode: normally a file is rewritten
 * once less than 75 % of it is live (the library's default); while {@link ApplianceStore#compact()} runs, every file
 * holding any dead record is, so that erased data (a deleted tenant's) leaves the disk.
 */
final class FileEvaluator implements StorageDataFileEvaluator {
    private final StorageDataFileEvaluator normal = Storage.DataFileEvaluator();
    private volatile boolean compacting;
    private final java.util.concurrent.atomic.AtomicBoolean retireHead =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Turns compaction on (the next write also starts a new head file, so the current one can be rewritten) or off. */
    void compacting(boolean on) {
        retireHead.set(on);
        compacting = on;
    }

    @Override
    public boolean needsDissolving(StorageLiveDataFile file) {
        return compacting ? file.dataLength() < file.totalLength() : normal.needsDissolving(file);
    }

    @Override
    public boolean needsRetirement(long fileTotalLength) {
        return retireHead.getAndSet(false) || normal.needsRetirement(fileTotalLength);
    }

    @Override
    public int fileMinimumSize() {
        return normal.fileMinimumSize();
    }

    @Override
    public int fileMaximumSize() {
        return normal.fileMaximumSize();
    }

    @Override
    public int transactionFileMaximumSize() {
        return normal.transactionFileMaximumSize();
    }
}
