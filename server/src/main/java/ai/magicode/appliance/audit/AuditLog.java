package ai.magicode.appliance.audit;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import ai.magicode.appliance.store.TenantData;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The tamper-evident audit log: every feature reports what it did with {@link #append}, which returns
 * once the entry is on disk. Entries are hash-chained lines in append-only segment files; signed
 * checkpoints vouch for the chain every {@code checkpoint-every} entries and at {@link #close}.
 *
 * <p>One writer thread owns the files. Appenders queue their event and wait; the writer takes everything
 * queued, writes it in one go and forces it with one {@code fdatasync} (group commit), then releases the
 * whole batch. A write or force that fails closes the log for writing (fail closed: actions that must be
 * audited then fail too) until a restart, whose recovery truncates what was never acknowledged.
 */
public final class AuditLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditLog.class.getName());
    /** Entries longer than this are refused: fields are metadata, not payloads. */
    static final int MAX_LINE = 64 * 1024;
    /** The writer forces at least this often, so an unacknowledged torn tail is never longer. */
    static final int MAX_BATCH_BYTES = 1024 * 1024;

    private static final int MAX_BATCH_ENTRIES = 4096;
    private static final AtomicLong INTEGRITY_FAILURES = new AtomicLong();

    private final Path dir;
    private final AuditConfig config;
    private final Signer signer;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Object enqueue = new Object();
    private final Thread writer;
    private final ScheduledExecutorService background;
    private final List<AuditForwarder> forwarders;
    private final AtomicReference<String> integrityProblem = new AtomicReference<>();
    private final MessageDigest digest = EntryCodec.sha256();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_BATCH_BYTES + MAX_LINE + 1);
    // writer-thread state
    private long segmentNumber;
    private FileChannel segment;
    private long segmentSize;
    private long lastSeq;
    private String lastHash;
    private long lastCheckpointSeq;
    private volatile IOException broken;
    private final AtomicLong syncs = new AtomicLong();
    private long checkpointsBytes;
    private volatile Durable durable;
    private boolean closed;
    private boolean keyTrusted;
    private final Object keyLock = new Object();

    private final AuditKeys keys;

    /** An event to write ({@code event}, sealed) and the one reported ({@code reported}), which the appender gets back. */
    private record Pending(AuditEvent event, AuditEvent reported, CompletableFuture<AuditEntry> done) {}

    /** Where the log's durable, complete content ended after the writer's last batch. */
    private record Durable(long segmentNumber, long segmentSize, long checkpointsBytes) {}

    private static final Pending CLOSE = new Pending(null, null, null);

    private AuditLog(
            Path dir, AuditConfig config, Signer signer, AuditKeys keys, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.keys = keys;
        this.config = config;
        this.signer = signer;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.forwarders = AuditForwarder.create(config.forward());
        this.writer = Thread.ofPlatform().name("audit-writer").daemon().unstarted(this::write);
        this.background = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("audit-check").daemon().factory());
    }

    /**
     * Opens (or creates) the log in {@code dir}: takes its lock, repairs a torn tail left by a crash
     * (and records that in an {@code audit.recovered} entry), and starts the writer, a background
     * verification and retention.
     *
     * @param signingSeed the 32-byte Ed25519 private key seed that signs checkpoints; read once
     * @throws AuditException when another process holds the log or it cannot be opened
     */
    public static AuditLog open(Path dir, AuditConfig config, Supplier<byte[]> signingSeed) {
        createPrivateDir(dir);
        FileChannel lockChannel = null;
        try {
            lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                throw new AuditException("the audit log in " + dir + " is in use by another process");
            }
            byte[] seed = signingSeed.get();
            AuditKeys keys = AuditKeys.open(dir, seed.clone());
            AuditLog log = new AuditLog(dir, config, Signer.of(seed), keys, lockChannel, lock);
            log.start();
            return log;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new AuditException("cannot open the audit log in " + dir, e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /** The directory holding segments, checkpoints and keys. */
    public Path dir() {
        return dir;
    }

    /**
     * Writes {@code event} as the next entry and returns once it is durable.
     *
     * @throws AuditException when the log is closed or cannot write (the action should then fail)
     */
    public AuditEntry append(AuditEvent event) {
        try {
            return appendAsync(event).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof AuditException audit
                    ? new AuditException(audit.getMessage(), audit)
                    : new AuditException("audit append failed", e.getCause());
        }
    }

    /**
     * Queues {@code event} as the next entry without waiting: the returned future completes once the entry is durable
     * (or fails with an {@link AuditException}). The writer thread completes it, so whatever a caller chains onto it
     * without an executor runs on the writer and must be quick and never wait on the log; this lets a caller release
     * its own waiters straight from the writer, one thread hand-off fewer than waiting for {@link #append}.
     */
    public CompletableFuture<AuditEntry> appendAsync(AuditEvent event) {
        CompletableFuture<AuditEntry> done = new CompletableFuture<>();
        // Sealed on the appender's thread, so that many appenders encrypt in parallel and the writer only writes.
        AuditEvent sealed = keys.seal(event);
        synchronized (enqueue) {
            if (closed) {
                return CompletableFuture.failedFuture(new AuditException("the audit log is closed"));
            }
            if (broken != null) {
                return CompletableFuture.failedFuture(
                        new AuditException("the audit log cannot write since an I/O error: " + broken.getMessage()));
            }
            queue.add(new Pending(sealed, event, done));
        }
        return done;
    }

    /** What is wrong with the log's integrity, if anything: for the health check. */
    public Optional<String> integrityProblem() {
        return Optional.ofNullable(integrityProblem.get());
    }

    /** What is wrong with forwarding to collectors, if anything: for the health check. */
    public Optional<String> forwardingProblem() {
        return forwarders.stream()
                .map(AuditForwarder::problem)
                .flatMap(Optional::stream)
                .reduce((a, b) -> a + "; " + b);
    }

    /** Forces of segment data to disk since the log opened; entries divided by this is the group-commit batch size. */
    public long syncs() {
        return syncs.get();
    }

    List<AuditForwarder> forwarders() {
        return forwarders;
    }

    /** Integrity checks that found a problem since the process started (the metric's value). */
    public static long integrityFailures() {
        return INTEGRITY_FAILURES.get();
    }

    /** Verifies the whole log now, updating {@link #integrityProblem()}. */
    public AuditVerifier.Verification checkIntegrity() {
        AuditVerifier.Verification verification;
        try {
            verification = AuditVerifier.verify(dir, Optional.of(signer.publicKey()));
        } catch (RuntimeException e) {
            verification = null;
            reportIntegrity("cannot verify the audit log: " + e.getMessage());
            return null;
        }
        verification.problem().ifPresentOrElse(p -> reportIntegrity(p.toString()), () -> integrityProblem.set(null));
        return verification;
    }

    /**
     * Deletes whole segments beyond the retention policy, oldest first, never the one being written.
     * Before deleting, a checkpoint over the last deleted entry is signed into {@code anchor.json}, so the
     * remaining chain stays verifiable.
     *
     * @return the number of segments deleted
     */
    public int applyRetention(Instant now) {
        synchronized (this) {
            List<AuditFiles.Segment> segments = AuditFiles.segments(dir);
            long total = 0;
            for (AuditFiles.Segment segment : segments) {
                total += size(segment.path());
            }
            int delete = 0;
            for (int i = 0; i < segments.size() - 1; i++) {
                AuditFiles.Segment segment = segments.get(i);
                boolean tooOld = !config.retentionMaxAge().isZero()
                        && SegmentReader.lastTime(segment.path())
                                .map(time -> time.isBefore(now.minus(config.retentionMaxAge())))
                                .orElse(true);
                boolean tooBig = config.retentionMaxBytes() > 0 && total > config.retentionMaxBytes();
                if (!tooOld && !tooBig) {
                    break;
                }
                total -= size(segment.path());
                delete = i + 1;
            }
            if (delete == 0) {
                return 0;
            }
            Optional<AuditEntry> first =
                    SegmentReader.firstEntry(segments.get(delete).path());
            if (first.isEmpty()) {
                return 0; // the next segment was just created and is still empty: next time
            }
            try {
                trustKey();
                Checkpoint anchor = Checkpoint.sign(
                        signer, first.get().seq() - 1, first.get().prevHash());
                AuditFiles.replaceDurably(dir.resolve(AuditFiles.ANCHOR), anchor.toJson() + "\n");
                for (int i = 0; i < delete; i++) {
                    Files.delete(segments.get(i).path());
                }
                AuditFiles.forceDirectory(dir);
            } catch (IOException e) {
                throw new AuditException("audit retention failed in " + dir, e);
            }
            LOG.log(
                    INFO,
                    "Audit retention deleted " + delete + " segment(s); the log now starts at entry "
                            + first.get().seq());
            append(AuditEvent.of("audit.retention", dir.toString())
                    .field("segmentsDeleted", delete)
                    .field("firstSeq", first.get().seq())
                    .success());
            return delete;
        }
    }

    /**
     * Copies the log as it stands into {@code target}, a new directory, while appends go on: each segment up to
     * the writer's last durable batch, the checkpoints signed by then, the anchor and the public keys (retention
     * waits meanwhile). The copy is verified before this returns.
     *
     * @return the verification of the copy
     * @throws AuditException when the copy cannot be written or does not verify
     */
    public AuditVerifier.Verification copyTo(Path target) {
        synchronized (this) {
            Durable at = durable;
            try {
                if (Files.exists(target)) {
                    throw new AuditException("cannot copy the audit log to " + target + ": it exists already");
                }
                createPrivateDir(target);
                for (AuditFiles.Segment segment : AuditFiles.segments(dir)) {
                    if (segment.number() <= at.segmentNumber()) {
                        long limit = segment.number() == at.segmentNumber() ? at.segmentSize() : Long.MAX_VALUE;
                        copyPrefix(segment.path(), target, limit);
                    }
                }
                copyPrefix(dir.resolve(AuditFiles.CHECKPOINTS), target, at.checkpointsBytes());
                copyPrefix(dir.resolve(AuditFiles.ANCHOR), target, Long.MAX_VALUE);
                synchronized (keys) {
                    copyPrefix(dir.resolve(AuditKeys.FILE), target, Long.MAX_VALUE);
                }
                synchronized (keyLock) {
                    copyPrefix(dir.resolve(AuditFiles.PUBLIC_KEYS), target, Long.MAX_VALUE);
                }
                AuditFiles.forceDirectory(target);
            } catch (IOException e) {
                throw new AuditException("cannot copy the audit log to " + target, e);
            }
            AuditVerifier.Verification copy = AuditVerifier.verify(target, Optional.empty());
            if (!copy.ok()) {
                throw new AuditException("the copy of the audit log in " + target + " does not verify: "
                        + copy.problem().map(Object::toString).orElse("unknown problem"));
            }
            return copy;
        }
    }

    /** Copies the first {@code limit} bytes of {@code file} (when it exists) into {@code dir}, durably. */
    private static void copyPrefix(Path file, Path dir, long limit) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel from = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel to = FileChannel.open(
                        dir.resolve(file.getFileName()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long length = Math.min(limit, from.size());
            for (long done = 0; done < length; ) {
                done += from.transferTo(done, length - done, to);
            }
            to.force(false);
        }
    }

    /**
     * Destroys the keys that seal {@code tenant}'s entries and its users' ids in them (crypto-shredding): from now on
     * they read as {@code [erased]}, and the chain still verifies. Write the tombstone first: an entry of the tenant
     * appended after this is sealed under a fresh key.
     *
     * @return how many keys were destroyed
     */
    public int shredTenant(String tenant) {
        return keys.destroyTenant(tenant);
    }

    /**
     * Destroys the key that seals the id of {@code user} (an actor id, such as {@code local:alice}) in the entries of
     * {@code tenant}: where that user acted, the actor reads {@code [erased]} from now on.
     *
     * @return whether there was a key
     */
    public boolean shredUser(String tenant, String user) {
        return keys.destroyUser(tenant, user);
    }

    /** Entries matching {@code query}, oldest first, at most its limit. */
    AuditQuery.Page query(AuditQuery query) {
        return SegmentReader.query(dir, query, opener(query));
    }

    /**
     * The audit log as tenant data: a tenant's entries are exported opened (JSON Lines with the hash of each line as
     * written). The hash chain forbids rewriting an entry, so they are erased by crypto-shredding instead: the
     * deletion writes its tombstone and then calls {@link #shredTenant}, after which the entries' sealed values
     * (tenant, target, fields, actor ids) cannot be read by anyone; the entries themselves go with the log's retention.
     */
    public TenantData tenantData() {
        return new TenantData(
                "audit",
                "DATA_DIR/" + dir.getFileName() + "/ (hash-chained, signed segments; " + AuditKeys.FILE
                        + " holds the per-tenant and per-user sealing keys)",
                "audit.retention.max-age / max-mb, whole segments only, behind a signed anchor; a tenant's or user's"
                        + " sealed values are unreadable once its deletion destroys their key",
                "tamper-evident record of every admin action, external write, LLM call and data operation",
                List.of("dir:" + dir.getFileName()),
                (tenant, sink) -> {
                    AuditQuery query = new AuditQuery(
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of(tenant),
                            1,
                            Integer.MAX_VALUE);
                    List<String> lines = new ArrayList<>();
                    export(query, (entry, buf, start, end) -> {
                        lines.add(entry.toJson());
                        return true;
                    });
                    sink.addJsonLines("audit/entries.jsonl", lines);
                },
                tenant -> {},
                (tenant, user) -> {},
                (tenant, user, sink) -> {
                    // The actor id is sealed under the user's key: the query matches on the opened id, so once the
                    // user's key is destroyed nothing matches any more.
                    AuditQuery query = new AuditQuery(
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of(user),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.of(tenant),
                            1,
                            Integer.MAX_VALUE);
                    List<String> lines = new ArrayList<>();
                    export(query, (entry, buf, start, end) -> {
                        if (entry.actor().kind() == Actor.Kind.USER) {
                            lines.add(entry.toJson());
                        }
                        return true;
                    });
                    sink.addJsonLines("audit/entries.jsonl", lines);
                });
    }

    /** Every entry matching {@code query} (its limit ignored), oldest first, as raw lines and entries. */
    void export(AuditQuery query, SegmentReader.Visitor visitor) {
        SegmentReader.scan(dir, query, opener(query), visitor);
    }

    /**
     * Opens the sealed values of the entries {@code query} may match; an entry of another tenant stays sealed (its
     * tenant then matches no name), so a tenant's reads decrypt only the tenant's own entries.
     */
    private UnaryOperator<AuditEntry> opener(AuditQuery query) {
        if (query.tenant().isEmpty()) {
            return keys::open;
        }
        String name = query.tenant().get();
        Optional<String> sealed = keys.sealedTenant(name);
        return entry -> sealed.isPresent() && entry.tenant().equals(sealed.get()) ? keys.open(entry) : entry;
    }

    /** Stops accepting entries, writes what is queued, signs a final checkpoint and releases the log. */
    @Override
    public void close() {
        synchronized (enqueue) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(CLOSE);
        }
        background.shutdownNow();
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        forwarders.forEach(AuditForwarder::close);
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        closeQuietly(lockChannel);
    }

    private void start() throws IOException {
        lastCheckpointSeq = AuditFiles.lines(dir.resolve(AuditFiles.CHECKPOINTS)).stream()
                .filter(line -> !line.isBlank())
                .mapToLong(line -> {
                    try {
                        return Checkpoint.parse(line).seq();
                    } catch (AuditException e) {
                        return 0;
                    }
                })
                .max()
                .orElse(0);
        Optional<Checkpoint> anchor = AuditFiles.anchor(dir);
        lastSeq = anchor.map(Checkpoint::seq).orElse(0L);
        lastHash = anchor.map(Checkpoint::hash).orElse(EntryCodec.GENESIS);
        Optional<AuditEvent> note = recover();
        openSegment();
        checkpointsBytes = size(dir.resolve(AuditFiles.CHECKPOINTS));
        durable = new Durable(segmentNumber, segmentSize, checkpointsBytes);
        writer.start();
        note.ifPresent(this::append);
        // Off the startup path: the signing key's first use and the metrics registry each cost a second or more.
        background.execute(this::trustKeyQuietly);
        background.execute(this::checkIntegrity);
        background.execute(AuditLog::registerMetric);
        if (!config.integrityCheckInterval().isZero()) {
            long every = config.integrityCheckInterval().toMillis();
            background.scheduleWithFixedDelay(this::checkIntegrity, every, every, TimeUnit.MILLISECONDS);
        }
        if (!config.retentionMaxAge().isZero() || config.retentionMaxBytes() > 0) {
            background.scheduleWithFixedDelay(
                    this::retentionQuietly, 0, Duration.ofMinutes(10).toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void registerMetric() {
        Metrics.globalRegistry()
                .getOrCreate(Gauge.builder("magicode.audit.integrity.failures", INTEGRITY_FAILURES::get)
                        .description("Integrity checks of the audit log that found a problem since the start"));
    }

    private void retentionQuietly() {
        try {
            applyRetention(Instant.now());
        } catch (RuntimeException e) {
            LOG.log(WARNING, "Audit retention failed: " + e.getMessage());
        }
    }

    /** Lists the signing key's public half in {@code public-keys} so that verification works offline. */
    private void trustKey() throws IOException {
        // Its own lock: the writer calls this while retention (holding the log's monitor) waits on the writer.
        synchronized (keyLock) {
            if (keyTrusted) {
                return;
            }
            Path keys = dir.resolve(AuditFiles.PUBLIC_KEYS);
            if (AuditFiles.lines(keys).stream().map(String::strip).noneMatch(signer.publicKey()::equals)) {
                AuditFiles.appendDurably(keys, signer.publicKey());
            }
            keyTrusted = true;
        }
    }

    private void trustKeyQuietly() {
        try {
            trustKey();
        } catch (IOException e) {
            LOG.log(WARNING, "Cannot record the audit signing key in " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Finds the end of the chain in the last non-empty segment. A tail that does not verify and lies within
     * the last unforced batch, after the last signed checkpoint, was never acknowledged: it is cut off and
     * an event describing the cut is returned. Damage further back is left alone as evidence and reported.
     */
    private Optional<AuditEvent> recover() throws IOException {
        List<AuditFiles.Segment> segments = AuditFiles.segments(dir);
        segmentNumber = segments.isEmpty() ? 1 : segments.getLast().number();
        for (int s = segments.size() - 1; s >= 0; s--) {
            AuditFiles.Segment segment = segments.get(s);
            byte[] buf = AuditFiles.read(segment.path());
            if (buf.length == 0) {
                continue;
            }
            int good = 0;
            long goodSeq = -1;
            String goodHash = null;
            long lines = 0;
            long goodLines = 0;
            int pos = 0;
            boolean intact = true;
            while (pos < buf.length) {
                int end = indexOf(buf, pos);
                if (end < 0) {
                    break;
                }
                lines++;
                boolean holds = intact
                        && EntryCodec.framed(buf, pos, end)
                        && EntryCodec.hashHolds(digest, buf, pos, end, new byte[64])
                        && (goodSeq < 0
                                || (EntryCodec.seq(buf, pos, end) == goodSeq + 1
                                        && EntryCodec.text(buf, EntryCodec.prevHashAt(end))
                                                .equals(goodHash)));
                if (holds) {
                    goodSeq = EntryCodec.seq(buf, pos, end);
                    goodHash = EntryCodec.text(buf, EntryCodec.hashAt(end));
                    good = end + 1;
                    goodLines = lines;
                } else {
                    intact = false;
                }
                pos = end + 1;
            }
            if (goodSeq >= 0) {
                lastSeq = goodSeq;
                lastHash = goodHash;
            } else {
                chainEndBefore(segments, s);
            }
            if (good == buf.length) {
                return Optional.empty();
            }
            long cut = buf.length - good;
            if (cut <= MAX_BATCH_BYTES + MAX_LINE && lastSeq >= lastCheckpointSeq) {
                try (FileChannel channel = FileChannel.open(segment.path(), StandardOpenOption.WRITE)) {
                    channel.truncate(good);
                    channel.force(true);
                }
                long dropped = lines - goodLines;
                LOG.log(
                        WARNING,
                        "Audit log recovery: cut a torn tail of " + cut + " bytes (" + dropped
                                + " unacknowledged line(s)) from " + segment.name() + " after entry " + lastSeq);
                return Optional.of(AuditEvent.of("audit.recovered", segment.name())
                        .field("truncatedBytes", cut)
                        .field("droppedLines", dropped)
                        .field("lastIntactSeq", lastSeq)
                        .success());
            }
            // Not a torn tail: keep the evidence, continue in a fresh segment after the last readable entry.
            String problem = segment.name() + " line " + (goodLines + 1)
                    + ": damaged beyond the last unacknowledged batch; left untouched for investigation";
            reportIntegrity(problem);
            long[] last = lastFramed(buf);
            if (last != null) {
                lastSeq = last[0];
                lastHash = EntryCodec.text(buf, (int) last[1]);
            }
            segmentNumber++;
            return Optional.of(AuditEvent.of("audit.corruption", segment.name())
                    .field("problem", problem)
                    .failure());
        }
        return Optional.empty();
    }

    /** Takes the chain's end from the last entry of the segments before index {@code s}. */
    private void chainEndBefore(List<AuditFiles.Segment> segments, int s) {
        for (int i = s - 1; i >= 0; i--) {
            byte[] buf = AuditFiles.read(segments.get(i).path());
            long[] last = lastFramed(buf);
            if (last != null) {
                lastSeq = last[0];
                lastHash = EntryCodec.text(buf, (int) last[1]);
                return;
            }
        }
    }

    private static long[] lastFramed(byte[] buf) {
        long[] last = null;
        int pos = 0;
        while (pos < buf.length) {
            int end = indexOf(buf, pos);
            if (end < 0) {
                break;
            }
            if (EntryCodec.framed(buf, pos, end) && EntryCodec.seq(buf, pos, end) >= 0) {
                last = new long[] {EntryCodec.seq(buf, pos, end), EntryCodec.hashAt(end)};
            }
            pos = end + 1;
        }
        return last;
    }

    private void reportIntegrity(String problem) {
        if (!problem.equals(integrityProblem.getAndSet(problem))) {
            LOG.log(ERROR, "Audit log integrity: " + problem);
        }
        INTEGRITY_FAILURES.incrementAndGet();
    }

    private void openSegment() throws IOException {
        Path path = dir.resolve(AuditFiles.segmentName(segmentNumber));
        boolean created = !Files.exists(path);
        segment =
                FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        segmentSize = segment.size();
        if (created) {
            AuditFiles.forceDirectory(dir);
        }
    }

    private void roll() throws IOException {
        segment.close();
        segmentNumber++;
        openSegment();
    }

    /** The writer thread: batches whatever is queued, one force per batch. */
    private void write() {
        List<Pending> batch = new ArrayList<>();
        List<AuditEntry> written = new ArrayList<>();
        List<Pending> waiting = new ArrayList<>();
        boolean closing = false;
        while (!closing) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() ends the writer
            }
            queue.drainTo(batch, MAX_BATCH_ENTRIES);
            try {
                for (Pending pending : batch) {
                    if (pending == CLOSE) {
                        closing = true;
                        continue;
                    }
                    if (broken != null) {
                        pending.done()
                                .completeExceptionally(new AuditException(
                                        "the audit log cannot write since an I/O error: " + broken.getMessage()));
                        continue;
                    }
                    EntryCodec.Encoded encoded =
                            EntryCodec.encode(digest, lastSeq + 1, Instant.now(), pending.event(), lastHash);
                    byte[] line = encoded.line();
                    if (line.length > MAX_LINE) {
                        pending.done()
                                .completeExceptionally(new AuditException("audit entry for "
                                        + pending.event().action() + " is larger than " + MAX_LINE + " bytes"));
                        continue;
                    }
                    if (segmentSize + buffer.position() + line.length > config.segmentBytes()
                            && segmentSize + buffer.position() > 0) {
                        flush();
                        roll();
                    } else if (buffer.position() + line.length > MAX_BATCH_BYTES) {
                        flush();
                    }
                    buffer.put(line);
                    lastSeq = encoded.entry().seq();
                    lastHash = encoded.entry().hash();
                    waiting.add(pending);
                    written.add(encoded.entry());
                }
                flush();
                // Before the appenders return, so that a copy taken after an append holds it.
                durable = new Durable(segmentNumber, segmentSize, checkpointsBytes);
                // The appenders and the collectors get the entries as reported, not sealed: the customer's own SIEM
                // reads the values (crypto-shredding is about what stays on this appliance's disk); seq and hashes
                // are the stored lines'. Queued for collectors before the appenders return: offer never blocks.
                List<AuditEntry> reported = new ArrayList<>(written.size());
                for (int i = 0; i < written.size(); i++) {
                    AuditEntry entry = written.get(i);
                    reported.add(new AuditEntry(
                            entry.seq(), entry.time(), waiting.get(i).reported(), entry.prevHash(), entry.hash()));
                }
                if (!reported.isEmpty()) {
                    for (AuditForwarder forwarder : forwarders) {
                        forwarder.offer(reported);
                    }
                }
                for (int i = 0; i < waiting.size(); i++) {
                    waiting.get(i).done().complete(reported.get(i));
                }
                if (lastSeq - lastCheckpointSeq >= config.checkpointEvery()
                        || (closing && lastSeq > lastCheckpointSeq)) {
                    checkpoint();
                }
                durable = new Durable(segmentNumber, segmentSize, checkpointsBytes);
            } catch (IOException | RuntimeException e) {
                IOException failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                broken = failure;
                LOG.log(ERROR, "The audit log cannot write; audited actions fail until a restart", e);
                for (Pending pending : waiting) {
                    pending.done()
                            .completeExceptionally(
                                    new AuditException("audit write failed: " + failure.getMessage(), failure));
                }
            }
            batch.clear();
            waiting.clear();
            written.clear();
        }
        closeQuietly(segment);
        for (Pending pending : queue) {
            if (pending != CLOSE) {
                pending.done().completeExceptionally(new AuditException("the audit log is closed"));
            }
        }
    }

    private void flush() throws IOException {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
            segmentSize += segment.write(buffer);
        }
        buffer.clear();
        segment.force(false);
        syncs.incrementAndGet();
    }

    private void checkpoint() throws IOException {
        trustKey();
        Checkpoint checkpoint = Checkpoint.sign(signer, lastSeq, lastHash);
        AuditFiles.appendDurably(dir.resolve(AuditFiles.CHECKPOINTS), checkpoint.toJson());
        checkpointsBytes = size(dir.resolve(AuditFiles.CHECKPOINTS));
        lastCheckpointSeq = lastSeq;
    }

    static int indexOf(byte[] buf, int from) {
        for (int i = from; i < buf.length; i++) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long size(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void createPrivateDir(Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new AuditException("cannot create the audit directory " + dir, e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing left to do with it
        }
    }

    static String utf8(byte[] buf, int start, int end) {
        return new String(buf, start, end - start, StandardCharsets.UTF_8);
    }
}
