package ai.magicode.appliance.github;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.WebhookConfig;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The durable GitHub webhook inbox. {@link #receive} appends a verified delivery (de-duplicated by its guid) to the
 * {@link AcceptLog} in one group commit (one write and force per batch) before the caller answers 2xx. A folder thread
 * rotates the log a few times a second, audits the acceptance of what the sealed segment holds and hands it to a
 * bounded pool of workers, which process deliveries straight from the log through the handlers registered per event
 * type, one at a time per repository in arrival order, different repositories in parallel. A processed delivery enters
 * the store once, without its body, in the commit of its handlers' effects; what the workers have not done within
 * {@value #FOLD_AFTER_MILLIS} ms is folded into the store as pending. A segment is deleted once all its deliveries are
 * in the store and their acceptance audited; at start-up, what a previous process left in the log is folded first.
 * Failures are retried with exponential backoff, then parked in a dead-letter list an admin can replay. Deliveries
 * acknowledged but not processed before a crash are processed at the next {@link #start}.
 */
public final class WebhookInbox implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebhookInbox.class.getName());
    /** Most deliveries named in one acceptance audit entry. */
    static final int AUDIT_BATCH = 200;
    /**
     * The folder's pause after a rotation: a new segment costs a directory sync, and an acceptance audit entry another,
     * which the log's forces would otherwise share the disk with. It bounds how long a delivery waits for a worker.
     */
    private static final long FOLD_PAUSE_MILLIS = 250;
    /**
     * How long after its rotation a segment's deliveries that no worker has finished (a busy lane, a retry's backoff)
     * are folded into the store as pending, so that the segment can go: the log holds a delivery for about this long.
     */
    static final long FOLD_AFTER_MILLIS = 2000;

    private static final Map<String, Counter> COUNTERS = new ConcurrentHashMap<>();
    private static volatile Timer processing;

    /** What became of a received delivery. */
    public enum Receipt {
        /** Logged durably; it will be folded into the store and processed. */
        ACCEPTED,
        /** Its guid is known: acknowledged again, neither stored nor processed twice. */
        DUPLICATE,
        /** An event type the appliance does not subscribe to: acknowledged, counted, not stored. */
        IGNORED,
        /** Signed but not a JSON object: kept in the dead-letter list and refused with 400. */
        MALFORMED
    }

    private final WebhookConfig config;
    private final DeliveryJournal journal;
    private final AcceptLog log;
    /** Deliveries being logged, or logged and their segment not yet deleted, by guid (completed once logged). */
    private final Map<String, CompletableFuture<Delivery>> logged = new ConcurrentHashMap<>();
    /**
     * Rotated segments not deleted yet, oldest first; guarded by itself, which also orders the hand-over of deliveries
     * to the workers between the folder and {@link #start}.
     */
    private final List<Rotated> unfolded = new ArrayList<>();

    /** A sealed segment, when it was rotated, and its deliveries' acceptance audit entry (durable once done). */
    private static final class Rotated {
        final AcceptLog.Sealed sealed;
        final long at;
        CompletableFuture<?> audited;

        Rotated(AcceptLog.Sealed sealed, CompletableFuture<?> audited) {
            this.sealed = sealed;
            this.at = System.nanoTime();
            this.audited = audited;
        }
    }

    private final AtomicBoolean dirty = new AtomicBoolean();
    private final Thread folder;
    private volatile boolean folding = true;
    /** For tests: while set, the folder leaves logged deliveries in the accept log. */
    volatile boolean foldsHeld;

    private final Installations installations;
    private final EventParser parser;
    private final Consumer<AuditEvent> audit;
    private final Function<AuditEvent, CompletableFuture<?>> auditAsync;
    private final Map<String, List<WebhookHandler>> handlers = new ConcurrentHashMap<>();
    private final Map<String, ArrayDeque<Delivery>> lanes = new HashMap<>();
    private final ExecutorService workers;
    private final ScheduledExecutorService retries;
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * Opens the inbox's state in {@code store}; nothing is processed until {@link #start}. Acceptances are audited
     * through {@code audit} on the journal's writer, which waits for it: for tests, and callers without
     * {@link ai.magicode.appliance.audit.AuditLog#appendAsync}.
     */
    public WebhookInbox(WebhookConfig config, ApplianceStore store, Consumer<AuditEvent> audit) {
        this(config, store, audit, event -> {
            audit.accept(event);
            return CompletableFuture.completedFuture(null);
        });
    }

    /**
     * Opens the inbox's state in {@code store}; nothing is processed until {@link #start}.
     *
     * @param audit audits an action and returns once it is durable
     * @param auditAsync queues an audit entry and returns a future completed once it is durable (the audit log's
     *     {@code appendAsync}); acceptances go through it so that the audit writer releases the waiting requests
     */
    public WebhookInbox(
            WebhookConfig config,
            ApplianceStore store,
            Consumer<AuditEvent> audit,
            Function<AuditEvent, CompletableFuture<?>> auditAsync) {
        this(config, store, audit, auditAsync, AcceptLog::openFile);
    }

    /** For tests: the accept log's segments opened through {@code segments} (one that fails like a full disk). */
    WebhookInbox(
            WebhookConfig config,
            ApplianceStore store,
            Consumer<AuditEvent> audit,
            Function<AuditEvent, CompletableFuture<?>> auditAsync,
            AcceptLog.Opener segments) {
        this.config = config;
        this.installations = new Installations(store);
        this.journal = new DeliveryJournal(store);
        this.parser = new EventParser(config.maxBodyBytes());
        this.audit = audit;
        this.auditAsync = auditAsync;
        this.workers = Executors.newFixedThreadPool(
                config.workers(),
                Thread.ofPlatform().name("webhook-worker-", 0).daemon().factory());
        this.retries = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("webhook-retry").daemon().factory());
        this.log = new AcceptLog(store.dataDir().resolve(AcceptLog.DIR), config.maxBodyBytes(), segments);
        AcceptLog.Recovered recovered = log.recover();
        if (!recovered.segments().isEmpty()) {
            LOG.log(
                    INFO,
                    "Folding " + recovered.deliveries().size() + " webhook deliveries from "
                            + recovered.segments().size() + " accept log segments of the last run ("
                            + recovered.torn() + " torn records dropped, never acknowledged)");
        }
        // Idempotent by guid: deliveries processed (or folded) before a crash are in the store and in their segment.
        // The crash may have come before their acceptance's audit entry was synced: the acceptance of what the store
        // already holds is audited again, so that each is audited at least once.
        List<Delivery> stored = new ArrayList<>();
        List<Delivery> fresh = new ArrayList<>();
        for (Delivery delivery : recovered.deliveries()) {
            (journal.find(delivery.guid()).isPresent() ? stored : fresh).add(delivery);
        }
        fold(fresh);
        CompletableFuture.allOf(auditAccepted(fresh, false), auditAccepted(stored, true))
                .join();
        recovered.segments().forEach(log::delete);
        for (int i = 0; i < recovered.torn(); i++) {
            count("torn");
        }
        log.start();
        this.folder = Thread.ofPlatform().name("webhook-fold").daemon().start(this::foldLoop);
    }

    /**
     * Registers {@code handler} for events of {@code type} (one of {@link GitHubEvent#TYPES}); handlers of a type run
     * in registration order. Register before {@link #start}, so that recovered deliveries reach every handler.
     */
    public WebhookInbox on(String type, WebhookHandler handler) {
        if (!GitHubEvent.TYPES.contains(type)) {
            throw new IllegalArgumentException("not an event type the inbox accepts: " + type);
        }
        handlers.computeIfAbsent(type, t -> new CopyOnWriteArrayList<>()).add(handler);
        return this;
    }

    /** The installation and repository mirror the inbox keeps current. */
    public Installations installations() {
        return installations;
    }

    /**
     * Queues every delivery acknowledged but not yet processed (after a crash, or before this call), then processes new
     * ones as they come.
     */
    public void start() {
        synchronized (unfolded) { // with the folder: each delivery is handed to the workers by exactly one of the two
            if (started) {
                return;
            }
            started = true;
            List<Delivery> pending = new ArrayList<>(journal.all().stream()
                    .filter(d -> d.state() == Delivery.State.PENDING)
                    .toList());
            if (!pending.isEmpty()) {
                LOG.log(INFO, "Processing " + pending.size() + " webhook deliveries acknowledged before the last stop");
            }
            java.util.Set<String> queued = new java.util.HashSet<>();
            pending.forEach(d -> queued.add(d.guid()));
            for (Rotated rotated : unfolded) {
                for (Delivery delivery : rotated.sealed.deliveries()) {
                    if (journal.find(delivery.guid()).isEmpty() && queued.add(delivery.guid())) {
                        pending.add(delivery);
                    }
                }
            }
            pending.forEach(this::enqueue);
            retries.scheduleWithFixedDelay(
                    () -> {
                        try {
                            prune(Instant.now());
                        } catch (RuntimeException e) {
                            LOG.log(WARNING, "Old webhook deliveries stay for now: " + e.getMessage());
                        }
                    },
                    1,
                    60,
                    TimeUnit.MINUTES);
        }
    }

    /**
     * Removes the processed and dead deliveries unchanged for longer than the retention ({@code
     * github.webhooks.retention}), whole store pages at a time; audited when it removes any. A delivery GitHub sends
     * again after that is taken as new.
     *
     * @return the number of deliveries removed
     */
    int prune(Instant now) {
        Instant cutoff = now.minus(config.retention());
        int removed = journal.commit(changes -> changes.prune(cutoff));
        if (removed > 0) {
            LOG.log(INFO, "Removed " + removed + " webhook deliveries processed or dead before " + cutoff);
            audit.accept(AuditEvent.of("github.webhook.prune", removed + " deliveries")
                    .actor(Actor.system())
                    .field("count", removed)
                    .field("unchangedSince", cutoff.toString())
                    .success());
        }
        return removed;
    }

    /**
     * Takes a delivery whose signature the caller verified: ignores unknown event types, acknowledges known guids
     * again, keeps malformed bodies as dead, and otherwise appends the delivery to the accept log, forced to disk,
     * before returning.
     *
     * @param requestId the HTTP request id, for the audit entry of a malformed delivery
     * @throws WebhookException when the delivery cannot be logged, such as on a full disk (the caller answers 503;
     *     GitHub redelivers)
     */
    public Receipt receive(String event, String guid, byte[] body, String requestId) {
        if (!GitHubEvent.TYPES.contains(event)) {
            count("ignored");
            return Receipt.IGNORED;
        }
        if (journal.find(guid).isPresent()) {
            count("duplicate");
            return Receipt.DUPLICATE;
        }
        CompletableFuture<Delivery> earlier = logged.get(guid);
        if (earlier != null) {
            return duplicateOf(earlier);
        }
        // Only the envelope before the 202 (the lane, repository and installation, and that the body is a JSON
        // object); the workers read the whole event.
        GitHubEvent.Context context;
        try {
            context = parser.envelope(body);
        } catch (WebhookException e) {
            keepMalformed(event, guid, body, e.getMessage(), requestId);
            return Receipt.MALFORMED;
        }
        String repository =
                context.repository().map(GitHubEvent.Repository::fullName).orElse("");
        long installation = context.installationId().orElse(0);
        Instant now = Instant.now();
        Delivery delivery = new Delivery(
                -1,
                guid,
                event,
                lane(context),
                repository,
                installation,
                Delivery.State.PENDING,
                0,
                "",
                now,
                now,
                body);
        CompletableFuture<Delivery> mine = new CompletableFuture<>();
        CompletableFuture<Delivery> raced = logged.putIfAbsent(guid, mine);
        if (raced != null) {
            return duplicateOf(raced);
        }
        if (journal.find(guid).isPresent()) {
            // Folded between the first look and the reservation (the folder drops a reservation only after that).
            logged.remove(guid, mine);
            mine.complete(delivery);
            count("duplicate");
            return Receipt.DUPLICATE;
        }
        try {
            log.append(delivery).join();
        } catch (CompletionException e) {
            logged.remove(guid, mine);
            WebhookException failure = e.getCause() instanceof WebhookException w
                    ? w
                    : new WebhookException("The webhook inbox could not log the delivery", e.getCause());
            mine.completeExceptionally(failure);
            count("failed");
            throw failure;
        }
        mine.complete(delivery);
        count("accepted");
        if (!dirty.getAndSet(true)) {
            LockSupport.unpark(folder);
        }
        return Receipt.ACCEPTED;
    }

    /** A delivery whose guid another request is logging or logged: a duplicate once that one is durable. */
    private static Receipt duplicateOf(CompletableFuture<Delivery> earlier) {
        try {
            earlier.join();
        } catch (CompletionException e) {
            throw new WebhookException("The webhook inbox could not log the delivery; it may be sent again");
        }
        count("duplicate");
        return Receipt.DUPLICATE;
    }

    /** Rotates the log as deliveries come, hands them to the workers, and deletes segments once they are stored. */
    private void foldLoop() {
        while (folding) {
            boolean waiting;
            synchronized (unfolded) {
                waiting = !unfolded.isEmpty();
            }
            boolean rotate = !foldsHeld && dirty.getAndSet(false);
            if (foldsHeld || !(rotate || waiting)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(foldsHeld ? 5 : 1000));
                continue;
            }
            try {
                cycle(rotate, false);
            } catch (RuntimeException e) {
                // The deliveries stay logged (on disk and de-duplicated); the next cycle, or the next start, tries
                // again.
                LOG.log(WARNING, "Webhook deliveries stay in the accept log for now: " + e.getMessage());
                dirty.set(true);
            }
            // A pause that receive()'s wake-ups do not cut short; close() ends it by clearing `folding`. The folder is
            // never interrupted: an interrupted thread's file channels close under it.
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FOLD_PAUSE_MILLIS);
            for (long left = until - System.nanoTime(); folding && left > 0; left = until - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
    }

    /**
     * With {@code rotate}, seals the log's segment, queues its deliveries' acceptance audit entry and hands them to the
     * workers (once started); then {@linkplain #settle settles} the rotated segments.
     */
    private void cycle(boolean rotate, boolean all) {
        synchronized (unfolded) {
            if (rotate) {
                AcceptLog.Sealed sealed = log.rotate();
                unfolded.add(new Rotated(sealed, auditAccepted(sealed.deliveries(), false)));
                if (started && !closed) {
                    sealed.deliveries().forEach(this::enqueue);
                }
            }
            settle(all);
        }
    }

    /**
     * Deletes rotated segments, oldest first, whose deliveries are all in the store and whose acceptance audit entry is
     * durable. Deliveries of a segment older than {@value #FOLD_AFTER_MILLIS} ms (with {@code all}: of every segment)
     * that are not in the store are folded into it as pending first; {@code all} also waits for the audit entries.
     */
    private void settle(boolean all) {
        while (!unfolded.isEmpty()) {
            Rotated rotated = unfolded.getFirst();
            List<Delivery> missing = rotated.sealed.deliveries().stream()
                    .filter(d -> journal.find(d.guid()).isEmpty())
                    .toList();
            if (!missing.isEmpty()) {
                boolean due = System.nanoTime() - rotated.at >= TimeUnit.MILLISECONDS.toNanos(FOLD_AFTER_MILLIS);
                if (!all && !due) {
                    return; // the workers are on it; younger segments wait too, so that folds keep the log's order
                }
                fold(missing);
            }
            if (rotated.audited.isCompletedExceptionally()) {
                rotated.audited = auditAccepted(rotated.sealed.deliveries(), false);
            }
            if (all) {
                rotated.audited.join();
            } else if (!rotated.audited.isDone()) {
                return;
            }
            rotated.sealed.deliveries().forEach(delivery -> logged.remove(delivery.guid()));
            log.delete(rotated.sealed.file());
            unfolded.removeFirst();
        }
    }

    /** Adds logged deliveries to the store as pending in one commit, skipping guids it holds (folding is idempotent). */
    private void fold(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return;
        }
        journal.commit(changes -> {
            for (Delivery delivery : deliveries) {
                if (changes.find(delivery.guid()).isEmpty()) {
                    changes.add(delivery.withSeq(changes.nextSeq()));
                }
            }
            return null;
        });
    }

    /** Folds everything logged so far into the store now (before a tenant's deliveries are exported or erased). */
    void foldNow() {
        dirty.set(false);
        cycle(true, true);
    }

    /**
     * Audits the deliveries one commit accepted: one entry per tenant and up to {@value #AUDIT_BATCH} deliveries, so
     * that concurrent deliveries share the audit log's sync as they share the store's.
     */
    private CompletableFuture<?> auditAccepted(List<Delivery> added, boolean again) {
        Map<String, List<Delivery>> byTenant = new HashMap<>();
        for (Delivery delivery : added) {
            if (delivery.state() == Delivery.State.PENDING) {
                byTenant.computeIfAbsent(tenantOf(delivery), t -> new ArrayList<>())
                        .add(delivery);
            }
        }
        List<CompletableFuture<?>> entries = new ArrayList<>();
        byTenant.forEach((tenant, deliveries) -> {
            for (int from = 0; from < deliveries.size(); from += AUDIT_BATCH) {
                List<Delivery> chunk = deliveries.subList(from, Math.min(deliveries.size(), from + AUDIT_BATCH));
                AuditEvent.Builder entry = chunk.size() == 1
                        ? event("github.webhook.accept", chunk.getFirst(), "-")
                        : AuditEvent.of("github.webhook.accept", chunk.size() + " deliveries")
                                .tenant(tenant)
                                .actor(Actor.app("github"))
                                .field("count", chunk.size())
                                .field(
                                        "deliveries",
                                        String.join(
                                                ", ",
                                                chunk.stream()
                                                        .map(d -> d.guid() + " " + d.event()
                                                                + (d.repository()
                                                                                .isEmpty()
                                                                        ? ""
                                                                        : " " + d.repository()))
                                                        .toList()));
                if (again) {
                    entry.field("again", "stored before a restart; audited again in case its first entry was lost");
                }
                entries.add(auditAsync.apply(entry.success()));
            }
        });
        return entries.size() == 1
                ? entries.getFirst()
                : CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new));
    }

    private String tenantOf(Delivery delivery) {
        return delivery.installation().isPresent()
                ? installations.tenantOf(delivery.installationId()).orElse(AuditEvent.PLATFORM)
                : AuditEvent.PLATFORM;
    }

    private void keepMalformed(String event, String guid, byte[] body, String why, String requestId) {
        Instant now = Instant.now();
        Optional<Delivery> dead = journal.commit(changes -> {
            if (changes.find(guid).isPresent()) {
                return Optional.<Delivery>empty();
            }
            Delivery delivery = new Delivery(
                    changes.nextSeq(), guid, event, "malformed", "", 0, Delivery.State.DEAD, 0, why, now, now, body);
            changes.add(delivery);
            return Optional.of(delivery);
        });
        dead.ifPresent(d -> {
            audit.accept(event("github.webhook.dead", d, requestId)
                    .field("reason", why)
                    .failure());
            count("dead");
        });
    }

    /** The delivery with {@code guid}, in the store or logged and not yet folded ({@code seq} -1). */
    public Optional<Delivery> find(String guid) {
        Optional<Delivery> stored = journal.find(guid);
        return stored.isPresent() ? stored : loggedDelivery(guid);
    }

    private Optional<Delivery> loggedDelivery(String guid) {
        CompletableFuture<Delivery> pending = logged.get(guid);
        return pending == null || !pending.isDone() || pending.isCompletedExceptionally()
                ? Optional.empty()
                : Optional.of(pending.join());
    }

    /** Every delivery in the dead-letter list, oldest first. */
    public List<Delivery> dead() {
        return journal.all().stream()
                .filter(d -> d.state() == Delivery.State.DEAD)
                .toList();
    }

    /** All deliveries kept, oldest first (processed ones without their body), the logged ones not yet folded last. */
    public List<Delivery> deliveries() {
        List<Delivery> all = new ArrayList<>(journal.all());
        List<Delivery> pending = new ArrayList<>();
        for (String guid : logged.keySet()) {
            if (journal.find(guid).isEmpty()) {
                loggedDelivery(guid).ifPresent(pending::add);
            }
        }
        pending.sort(java.util.Comparator.comparing(Delivery::receivedAt));
        all.addAll(pending);
        return all;
    }

    /**
     * Moves a dead delivery back to pending, with fresh retries, and queues it.
     *
     * @return the delivery as replayed; empty when there is no dead delivery with {@code guid}
     */
    public Optional<Delivery> replay(String guid, Actor actor, String requestId) {
        Instant now = Instant.now();
        Optional<Delivery> replayed = journal.commit(changes -> {
            Optional<Delivery> found = changes.find(guid).filter(d -> d.state() == Delivery.State.DEAD);
            found.ifPresent(d -> changes.replace(d.withState(Delivery.State.PENDING, 0, "", now)));
            return found.map(d -> d.withState(Delivery.State.PENDING, 0, "", now));
        });
        replayed.ifPresent(d -> {
            audit.accept(
                    event("github.webhook.replay", d, requestId).actor(actor).success());
            if (started) {
                enqueue(d);
            }
        });
        return replayed;
    }

    /**
     * Maps installation {@code id} to {@code tenant} (empty: unmapped), durably; audited.
     *
     * @return the installation as mapped
     */
    public Installations.Installation mapInstallation(long id, String tenant, Actor actor, String requestId) {
        Instant now = Instant.now();
        journal.commit(changes -> {
            changes.store(installations.mapTenant(id, tenant, now));
            return null;
        });
        audit.accept(AuditEvent.of("github.installation.map", Long.toString(id))
                .tenant(tenant.isEmpty() ? AuditEvent.PLATFORM : tenant)
                .actor(actor)
                .requestId(requestId)
                .field("tenant", tenant.isEmpty() ? "(unmapped)" : tenant)
                .success());
        return installations.find(id).orElseThrow();
    }

    /**
     * The inbox's tenant data: the installation mirror (installations mapped to the tenant, their repositories) and
     * the deliveries about those installations. Erasing removes the installations and repositories from the mirror
     * and empties the deliveries (body and repository name) while keeping their guid, event and state, which
     * de-duplication and recovery need and which identify nothing.
     */
    public List<TenantData> tenantData() {
        return List.of(
                new TenantData(
                        Installations.SECTION,
                        "store section " + Installations.SECTION,
                        "while the App is installed, or until the tenant is deleted",
                        "which tenant an installation belongs to, and the repositories it reaches",
                        List.of("store:" + Installations.SECTION),
                        (tenant, sink) -> {
                            List<Long> ids = installations.idsOf(tenant);
                            sink.add(
                                    "github/installations.json",
                                    installations.list().stream()
                                            .filter(i -> ids.contains(i.id()))
                                            .map(i -> java.util.Map.<String, Object>of(
                                                    "id", i.id(),
                                                    "account", i.account(),
                                                    "suspended", i.suspended(),
                                                    "removed", i.removed()))
                                            .toList());
                            sink.add(
                                    "github/repositories.json",
                                    installations.repositories().stream()
                                            .filter(r -> ids.contains(r.installationId()))
                                            .map(r -> java.util.Map.<String, Object>of(
                                                    "id", r.id(),
                                                    "fullName", r.fullName(),
                                                    "installationId", r.installationId(),
                                                    "deliveriesProcessed", r.deliveriesProcessed()))
                                            .toList());
                        },
                        this::eraseInstallations),
                new TenantData(
                        "github.webhook-accept-log",
                        "DATA_DIR/" + AcceptLog.DIR + "/accept-<n>.log (raw deliveries, appended before the 202)",
                        "until every delivery of the segment is in store section " + DeliveryJournal.SECTION
                                + " (processed, or folded as pending): normally within a second, at most about "
                                + (FOLD_AFTER_MILLIS + FOLD_PAUSE_MILLIS) / 1000.0
                                + " s; a segment a crash left, until the next start",
                        "acknowledge a webhook delivery after one disk sync, before it reaches the store",
                        List.of("dir:" + AcceptLog.DIR),
                        // Folded first, so that the deliveries' own kind exports and erases them in the store.
                        (tenant, sink) -> foldNow(),
                        tenant -> foldNow()),
                new TenantData(
                        DeliveryJournal.SECTION,
                        "store section " + DeliveryJournal.SECTION,
                        "pending: until processed; processed and dead: github.webhooks.retention (7 days) after their"
                                + " last change, for de-duplication, inspection and replay; emptied when the tenant is"
                                + " deleted",
                        "webhook deliveries from GitHub, processed exactly once in order per repository",
                        List.of("store:" + DeliveryJournal.SECTION),
                        (tenant, sink) -> {
                            foldNow();
                            List<Long> ids = installations.idsOf(tenant);
                            sink.add(
                                    "github/deliveries.json",
                                    journal.all().stream()
                                            .filter(d -> ids.contains(d.installationId()))
                                            .map(d -> java.util.Map.<String, Object>of(
                                                    "guid", d.guid(),
                                                    "event", d.event(),
                                                    "repository", d.repository(),
                                                    "state", d.state().name().toLowerCase(java.util.Locale.ROOT),
                                                    "receivedAt", d.receivedAt().toString()))
                                            .toList());
                        },
                        this::eraseDeliveries),
                TenantData.platform(
                        "github.created-branches",
                        "store section github.created-branches",
                        "while the branch may still be force-pushed by the appliance",
                        "the push guard's record of the magicode/ branches the appliance created",
                        List.of("store:github.created-branches")));
    }

    private void eraseDeliveries(String tenant) {
        foldNow(); // the accept log's deliveries of the tenant move into the store, where they are erased
        List<Long> ids = installations.idsOf(tenant);
        if (ids.isEmpty()) {
            return;
        }
        journal.commit(changes -> {
            for (Delivery d : journal.all()) {
                if (ids.contains(d.installationId())
                        && (d.body().length > 0 || !d.repository().isEmpty())) {
                    changes.replace(new Delivery(
                            d.seq(),
                            d.guid(),
                            d.event(),
                            "erased",
                            "",
                            0,
                            d.state(),
                            d.attempts(),
                            "",
                            d.receivedAt(),
                            d.updatedAt(),
                            new byte[0]));
                }
            }
            return null;
        });
    }

    private void eraseInstallations(String tenant) {
        eraseDeliveries(tenant); // first: the deliveries are found through the installations
        journal.commit(changes -> {
            changes.store(installations.removeTenant(tenant));
            return null;
        });
    }

    /** Group commits of the journal so far (folds and processed marks). */
    public long commits() {
        return journal.commits();
    }

    /** Forces of the accept log so far (accepted deliveries per force = deliveries / forces). */
    public long logForces() {
        return log.forces();
    }

    private static String lane(GitHubEvent.Context context) {
        if (context.repository().isPresent()) {
            return "repo:" + context.repository().get().id();
        }
        if (context.installationId().isPresent()) {
            return "installation:" + context.installationId().getAsLong();
        }
        return "hook";
    }

    private void enqueue(Delivery delivery) {
        synchronized (lanes) {
            ArrayDeque<Delivery> lane = lanes.get(delivery.lane());
            if (lane != null) {
                lane.add(delivery);
                return;
            }
            lane = new ArrayDeque<>();
            lane.add(delivery);
            lanes.put(delivery.lane(), lane);
        }
        submit(delivery.lane());
    }

    private void submit(String lane) {
        if (!closed) {
            workers.execute(() -> drain(lane));
        }
    }

    /** Processes a lane's deliveries in order until it is empty or its head must wait for a retry. */
    private void drain(String lane) {
        while (!closed) {
            Delivery next;
            synchronized (lanes) {
                next = lanes.get(lane).peek();
            }
            Optional<Duration> retryIn;
            try {
                retryIn = process(next);
            } catch (WebhookException e) {
                // The journal is closed or broken: the delivery stays pending for the next start.
                LOG.log(WARNING, "Webhook delivery " + next.guid() + " left pending: " + e.getMessage());
                return;
            }
            if (retryIn.isPresent()) {
                retries.schedule(() -> submit(lane), retryIn.get().toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            synchronized (lanes) {
                ArrayDeque<Delivery> queue = lanes.get(lane);
                queue.poll();
                if (queue.isEmpty()) {
                    lanes.remove(lane);
                    return;
                }
            }
        }
    }

    /**
     * One try of one delivery (as stored, when it is: a retry's attempts, a replay; else as logged); the wait before
     * the next try when it failed and has tries left.
     */
    private Optional<Duration> process(Delivery queued) {
        String guid = queued.guid();
        Delivery delivery = journal.find(guid).orElse(queued);
        if (delivery.state() != Delivery.State.PENDING) {
            return Optional.empty();
        }
        List<Supplier<List<?>>> effects = new ArrayList<>();
        GitHubEvent event;
        try {
            event = parser.parse(delivery.event(), delivery.body());
            for (WebhookHandler handler : handlers.getOrDefault(delivery.event(), List.of())) {
                handler.handle(event, guid, effects::add);
            }
        } catch (Exception e) {
            return failed(delivery, e);
        }
        Instant now = Instant.now();
        // Not waited for: the mark joins the writer's next commit with the other workers' marks. It adds the delivery
        // to the store, without its body, unless a fold or a retry put it there before. The queue keeps a lane's marks
        // in order; a crash before the commit leaves the delivery in the log (or pending in the store), with its
        // handlers' store effects, which commit only with the mark, for the next start.
        journal.submit(changes -> {
                    changes.put(delivery.withState(Delivery.State.PROCESSED, delivery.attempts(), "", now));
                    changes.store(installations.apply(event, guid, now));
                    effects.forEach(effect -> changes.store(effect.get()));
                    return null;
                })
                .whenComplete((ignored, e) -> {
                    if (e == null) {
                        processed(delivery, now);
                    } else {
                        LOG.log(WARNING, "Webhook delivery " + guid + " left pending: " + e.getMessage());
                    }
                });
        return Optional.empty();
    }

    private static void processed(Delivery delivery, Instant now) {
        Timer timer = processing;
        if (timer == null) { // looked up once, like the counters: a look-up per delivery showed in profiles
            timer = Metrics.globalRegistry()
                    .getOrCreate(Timer.builder("github.webhooks.processing")
                            .description("Time from accepting a webhook delivery to its processed commit"));
            processing = timer;
        }
        timer.record(Duration.between(delivery.receivedAt(), now));
        count("processed");
    }

    private Optional<Duration> failed(Delivery delivery, Exception e) {
        int attempts = delivery.attempts() + 1;
        // Exception messages of handlers may carry payload text; keep only the type.
        String problem =
                e instanceof WebhookException ? e.getMessage() : e.getClass().getSimpleName();
        Instant now = Instant.now();
        if (attempts >= config.retryAttempts()) {
            Delivery dead = delivery.withState(Delivery.State.DEAD, attempts, problem, now);
            journal.commit(changes -> {
                changes.put(dead);
                return null;
            });
            LOG.log(
                    WARNING,
                    "Webhook delivery " + delivery.guid() + " is dead after " + attempts + " tries: " + problem);
            audit.accept(event("github.webhook.dead", dead, "-")
                    .field("reason", problem)
                    .field("attempts", attempts)
                    .failure());
            count("dead");
            return Optional.empty();
        }
        journal.commit(changes -> {
            changes.put(delivery.withState(Delivery.State.PENDING, attempts, problem, now));
            return null;
        });
        count("retried");
        return Optional.of(backoff(attempts));
    }

    Duration backoff(int attempts) {
        Duration wait = config.retryBackoff();
        for (int i = 1; i < attempts && wait.compareTo(config.retryBackoffMax()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(config.retryBackoffMax()) > 0 ? config.retryBackoffMax() : wait;
    }

    private AuditEvent.Builder event(String action, Delivery delivery, String requestId) {
        AuditEvent.Builder builder = AuditEvent.of(action, delivery.guid())
                .actor(Actor.app("github"))
                .requestId(requestId)
                .field("event", delivery.event());
        if (!delivery.repository().isEmpty()) {
            builder.field("repository", delivery.repository());
        }
        delivery.installation().ifPresent(id -> {
            builder.field("installation", id);
            installations.tenantOf(id).ifPresent(builder::tenant);
        });
        return builder;
    }

    /** Counts an outcome of {@code github.webhooks.deliveries} (the counter is looked up once per outcome). */
    static void count(String outcome) {
        COUNTERS.computeIfAbsent(
                        outcome,
                        o -> Metrics.globalRegistry()
                                .getOrCreate(Counter.builder("github.webhooks.deliveries")
                                        .description("Webhook deliveries by outcome")
                                        .tags(List.of(Tag.create("outcome", o)))))
                .increment();
    }

    /**
     * Stops taking deliveries, folds the accept log into the store (what cannot be folded stays logged for the next
     * start), then stops the workers (the delivery being processed finishes or stays pending) and the journal.
     */
    @Override
    public void close() {
        folding = false;
        LockSupport.unpark(folder);
        try {
            folder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        AcceptLog.Sealed last = log.stop();
        closed = true;
        synchronized (unfolded) {
            try {
                unfolded.add(new Rotated(last, auditAccepted(last.deliveries(), false)));
                settle(true);
            } catch (RuntimeException e) {
                LOG.log(WARNING, "Webhook deliveries stay in the accept log for the next start: " + e.getMessage());
            }
        }
        retries.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journal.close();
    }
}
