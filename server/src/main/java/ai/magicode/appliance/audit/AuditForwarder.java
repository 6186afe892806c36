package ai.magicode.appliance.audit;

import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.config.ApplianceConfig.ForwardConfig;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Streams written entries to one external collector from a bounded backlog. {@link #offer} never
 * blocks: when the backlog is full the oldest entries are dropped and counted
 * ({@code magicode_audit_forward_dropped_total}), and {@link #problem} reports it for the health check.
 * A failed send is retried with exponential backoff (0.1 s doubling to 30 s).
 */
final class AuditForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuditForwarder.class.getName());
    private static final int BATCH = 500;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration DROP_WARNING = Duration.ofMinutes(15);

    /** A collector. */
    interface Sink extends AutoCloseable {
        /** Delivers {@code entries} in order, or throws. */
        void send(List<AuditEntry> entries) throws IOException;

        String name();

        @Override
        void close();
    }

    private final Sink sink;
    private final int capacity;
    private final ArrayDeque<AuditEntry> backlog = new ArrayDeque<>();
    private Counter droppedCounter;
    private final Thread thread;
    private long dropped;
    private Instant lastDrop;
    private String failing;
    private boolean closed;

    AuditForwarder(Sink sink, int capacity) {
        this.sink = sink;
        this.capacity = capacity;
        this.thread = Thread.ofPlatform()
                .name("audit-forward-" + sink.name())
                .daemon()
                .start(this::run);
    }

    static List<AuditForwarder> create(ForwardConfig config) {
        List<AuditForwarder> forwarders = new ArrayList<>();
        config.syslogAddress()
                .ifPresent(address -> forwarders.add(
                        new AuditForwarder(SyslogSink.create(address, config.syslogTls()), config.backlog())));
        config.httpUrl().ifPresent(url -> forwarders.add(new AuditForwarder(new HttpSink(url), config.backlog())));
        return forwarders;
    }

    /** Queues entries for the collector; drops the oldest when the backlog is full. Never blocks on I/O. */
    synchronized void offer(List<AuditEntry> entries) {
        for (AuditEntry entry : entries) {
            if (backlog.size() == capacity) {
                backlog.pollFirst();
                dropped++;
                counter().increment();
                lastDrop = Instant.now();
            }
            backlog.addLast(entry);
        }
        notifyAll();
    }

    private Counter counter() {
        if (droppedCounter == null) { // created on first use: the registry is slow to initialise
            droppedCounter = Metrics.globalRegistry()
                    .getOrCreate(Counter.builder("magicode.audit.forward.dropped")
                            .description("Audit entries dropped because a collector's backlog was full")
                            .tags(List.of(Tag.create("sink", sink.name()))));
        }
        return droppedCounter;
    }

    /** Entries dropped since the start. */
    synchronized long dropped() {
        return dropped;
    }

    synchronized int backlog() {
        return backlog.size();
    }

    synchronized Optional<String> problem() {
        if (lastDrop != null && lastDrop.isAfter(Instant.now().minus(DROP_WARNING))) {
            return Optional.of("the backlog for " + sink.name() + " was full: " + dropped
                    + " entries dropped since the start (the local log keeps them all)");
        }
        if (failing != null) {
            return Optional.of(sink.name() + " unreachable (" + failing + "); " + backlog.size() + " of " + capacity
                    + " backlog entries waiting");
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sink.close();
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            List<AuditEntry> batch;
            synchronized (this) {
                while (backlog.isEmpty() && !closed) {
                    waitQuietly(Duration.ZERO);
                }
                if (closed) {
                    return;
                }
                batch = new ArrayList<>(Math.min(BATCH, backlog.size()));
                for (AuditEntry entry : backlog) {
                    if (batch.size() == BATCH) {
                        break;
                    }
                    batch.add(entry);
                }
            }
            try {
                sink.send(batch);
                long last = batch.getLast().seq();
                synchronized (this) {
                    while (!backlog.isEmpty() && backlog.peekFirst().seq() <= last) {
                        backlog.pollFirst();
                    }
                    failing = null;
                }
                backoff = FIRST_BACKOFF;
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    if (failing == null) {
                        LOG.log(WARNING, "Audit forwarding to " + sink.name() + " failed, retrying: " + e.getMessage());
                    }
                    failing = String.valueOf(e.getMessage());
                    if (!closed) {
                        waitQuietly(backoff);
                    }
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void waitQuietly(Duration timeout) {
        try {
            wait(timeout.toMillis());
        } catch (InterruptedException e) {
            closed = true;
        }
    }
}
