package ai.magicode.appliance.github;

import java.util.List;
import java.util.concurrent.BlockingQueue;

/**
 * The batching step the inbox's single-writer threads share (the accept log's and the delivery journal's): wait for
 * the first queued task, then take everything queued meanwhile, so that one write (or commit) serves them all.
 */
final class GroupCommit {
    /** Most tasks one batch takes. */
    static final int MAX_BATCH = 1024;

    private GroupCommit() {}

    /**
     * Replaces the contents of {@code batch} with the next tasks of {@code queue}, waiting for the first.
     *
     * @return false when the writer was interrupted while waiting (it then stops)
     */
    static <T> boolean next(BlockingQueue<T> queue, List<T> batch) {
        batch.clear();
        try {
            batch.add(queue.take());
        } catch (InterruptedException e) {
            return false;
        }
        queue.drainTo(batch, MAX_BATCH - 1);
        return true;
    }
}
