package ai.magicode.appliance.github;

import static java.lang.System.Logger.Level.ERROR;

import ai.magicode.appliance.store.ApplianceStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * The inbox's durable state in the store (section {@code github.webhooks}) with group commit: every change runs on
 * one writer thread, which takes all changes queued meanwhile, applies them and stores them in one atomic commit,
 * then releases their callers. Changes whose callers need not wait (the workers' processed marks) are
 * {@linkplain #submit submitted}: they join the next batch's commit, and their order among each other and with every
 * other change is the queue's. A delivery enters the store once, mostly already processed (the worker's mark adds it),
 * else pending when the inbox folds what its workers have not done in time. Deliveries sit in pages so that a commit
 * stores one page, not the whole history; new pages hold {@value #PAGE} deliveries (storing a page costs a lookup per
 * delivery in it), pages of stores written before hold 1024. Readers see only committed deliveries.
 */
final class DeliveryJournal implements AutoCloseable {
    static final String SECTION = "github.webhooks";
    static final int PAGE = 128;
    private static final System.Logger LOG = System.getLogger(DeliveryJournal.class.getName());

    private final ApplianceStore store;
    private final Pages pages;
    private final ConcurrentHashMap<String, Delivery> committed = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Object enqueue = new Object();
    private volatile RuntimeException broken;
    private boolean closed;
    private long next;
    private long commits;

    /** The persistent pages: a list of lists, each page stored when it changes, the outer list when one is added. */
    static final class Pages {
        final ArrayList<ArrayList<Delivery>> pages = new ArrayList<>();

        /** The page holding {@code seq}: pages are never empty and hold consecutive sequence numbers in order. */
        ArrayList<Delivery> pageOf(long seq) {
            int low = 0;
            int high = pages.size() - 1;
            while (low < high) {
                int middle = (low + high + 1) >>> 1;
                if (pages.get(middle).getFirst().seq() <= seq) {
                    low = middle;
                } else {
                    high = middle - 1;
                }
            }
            return pages.get(low);
        }
    }

    /** The changes one task makes, collected for the batch's commit. */
    final class Changes {
        private final Set<Object> changed;
        private final Map<String, Delivery> written;
        private final Set<String> removed = new java.util.HashSet<>();

        private Changes(Set<Object> changed, Map<String, Delivery> written) {
            this.changed = changed;
            this.written = written;
        }

        /** The committed or earlier-in-this-batch delivery with {@code guid} (none once pruned earlier in it). */
        Optional<Delivery> find(String guid) {
            Delivery pending = written.get(guid);
            if (pending != null) {
                return Optional.of(pending);
            }
            return removed.contains(guid) ? Optional.empty() : Optional.ofNullable(committed.get(guid));
        }

        /** The sequence number the next new delivery gets. */
        long nextSeq() {
            return next;
        }

        /** Adds a new delivery, whose {@code seq} must be {@link #nextSeq()}. */
        void add(Delivery delivery) {
            if (delivery.seq() != next) {
                throw new IllegalStateException("out of order: " + delivery.seq() + " != " + next);
            }
            if (pages.pages.isEmpty() || pages.pages.getLast().size() >= PAGE) {
                pages.pages.add(new ArrayList<>(PAGE));
                changed.add(pages.pages);
            }
            ArrayList<Delivery> list = pages.pages.getLast();
            list.add(delivery);
            changed.add(list);
            written.put(delivery.guid(), delivery);
            next++;
        }

        /**
         * Stores {@code delivery} (its {@code seq} ignored) as the next one when its guid is new, else in place of
         * the stored one with that guid.
         *
         * @return the delivery as stored
         */
        Delivery put(Delivery delivery) {
            Optional<Delivery> stored = find(delivery.guid());
            Delivery numbered = delivery.withSeq(stored.map(Delivery::seq).orElse(next));
            if (stored.isPresent()) {
                replace(numbered);
            } else {
                add(numbered);
            }
            return numbered;
        }

        /** Replaces a delivery (same seq and guid) with its next state. */
        void replace(Delivery delivery) {
            ArrayList<Delivery> list = pages.pageOf(delivery.seq());
            list.set((int) (delivery.seq() - list.getFirst().seq()), delivery);
            changed.add(list);
            written.put(delivery.guid(), delivery);
        }

        /**
         * Removes every page but the last whose deliveries are all processed or dead and unchanged since before
         * {@code cutoff}; pages with a pending delivery stay whole.
         *
         * @return the number of deliveries removed
         */
        int prune(java.time.Instant cutoff) {
            int count = 0;
            for (int i = pages.pages.size() - 2; i >= 0; i--) {
                ArrayList<Delivery> page = pages.pages.get(i);
                boolean old = page.stream()
                        .allMatch(d -> d.state() != Delivery.State.PENDING
                                && d.updatedAt().isBefore(cutoff)
                                && !written.containsKey(d.guid()));
                if (old) {
                    pages.pages.remove(i);
                    page.forEach(d -> removed.add(d.guid()));
                    count += page.size();
                }
            }
            if (count > 0) {
                changed.add(pages.pages);
            }
            return count;
        }

        /** Stores these (changed) objects of another part of the graph in the same commit. */
        void store(List<?> objects) {
            changed.addAll(objects);
        }
    }

    private record Task<R>(Function<Changes, R> change, CompletableFuture<R> done) {}

    DeliveryJournal(ApplianceStore store) {
        this.store = store;
        this.pages = store.section(SECTION, Pages.class, Pages::new);
        for (ArrayList<Delivery> page : pages.pages) {
            for (Delivery delivery : page) {
                committed.put(delivery.guid(), delivery);
                next = delivery.seq() + 1;
            }
        }
        this.writer = Thread.ofPlatform().name("webhook-journal").daemon().start(this::write);
    }

    /** All committed deliveries in arrival order (a snapshot). */
    List<Delivery> all() {
        List<Delivery> all = new ArrayList<>(committed.values());
        all.sort(java.util.Comparator.comparingLong(Delivery::seq));
        return all;
    }

    /** The committed delivery with {@code guid}. */
    Optional<Delivery> find(String guid) {
        return Optional.ofNullable(committed.get(guid));
    }

    /** Commits done so far; deliveries divided by this is the group-commit batch size. */
    long commits() {
        return commits;
    }

    /**
     * Runs {@code change} on the writer and returns its result once its changes are durable.
     *
     * @throws WebhookException when the journal is closed or a commit failed
     */
    <R> R commit(Function<Changes, R> change) {
        CompletableFuture<R> done = submit(change);
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new WebhookException("The webhook inbox could not commit", e.getCause());
        }
    }

    /**
     * Queues {@code change} for the writer's next commit without waiting for it.
     *
     * @return completes with the change's result once its changes are durable, or fails when the commit fails
     * @throws WebhookException when the journal is closed or a commit failed
     */
    <R> CompletableFuture<R> submit(Function<Changes, R> change) {
        CompletableFuture<R> done = new CompletableFuture<>();
        synchronized (enqueue) {
            if (closed) {
                throw new WebhookException("The webhook inbox is closed");
            }
            if (broken != null) {
                throw new WebhookException("The webhook inbox cannot write since a store failure");
            }
            queue.add(new Task<>(change, done));
        }
        return done;
    }

    private void write() {
        List<Task<?>> batch = new ArrayList<>();
        while (GroupCommit.next(queue, batch)) {
            boolean stop = batch.removeIf(task -> task.change() == null);
            run(batch);
            if (stop) {
                return;
            }
        }
    }

    private void run(List<Task<?>> batch) {
        Set<Object> changed = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<String, Delivery> written = new HashMap<>();
        Changes changes = new Changes(changed, written);
        List<Object> results = new ArrayList<>(batch.size());
        List<Throwable> failures = new ArrayList<>(batch.size());
        for (Task<?> task : batch) {
            try {
                results.add(task.change().apply(changes));
                failures.add(null);
            } catch (RuntimeException e) {
                results.add(null);
                failures.add(e);
            }
        }
        try {
            store.storeAll(List.copyOf(changed));
            commits++;
        } catch (RuntimeException e) {
            // The graph in memory now differs from the store: refuse further writes until a restart reloads it.
            broken = e;
            LOG.log(ERROR, "The webhook inbox could not commit; it refuses deliveries until restarted", e);
            WebhookException failure = new WebhookException("The webhook inbox could not store the delivery", e);
            batch.forEach(task -> task.done().completeExceptionally(failure));
            return;
        }
        changes.removed.forEach(committed::remove);
        committed.putAll(written); // after: a guid pruned and then put again in the same batch is stored anew
        release(batch, results, failures);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void release(List<Task<?>> batch, List<Object> results, List<Throwable> failures) {
        for (int i = 0; i < batch.size(); i++) {
            CompletableFuture done = batch.get(i).done();
            if (failures.get(i) != null) {
                done.completeExceptionally(failures.get(i));
            } else {
                done.complete(results.get(i));
            }
        }
    }

    /** Lets queued changes commit, then stops the writer (callers still waiting for a report are released by it). */
    @Override
    public void close() {
        synchronized (enqueue) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(new Task<>(null, null));
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
