package ai.magicode.appliance.github;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.WARNING;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The webhook inbox's append-only accept log: a delivery is acknowledged once its record (the headers that matter,
 * its envelope and the raw body, with a length and a CRC-32C) is appended and forced to a segment file in
 * {@code DATA_DIR/webhooks/}. One writer thread group-commits: it takes every record queued meanwhile, writes them
 * with one gathering write, forces the file once and releases their callers. The inbox's folder {@linkplain #rotate
 * rotates} the segment, moves its records into the store and then deletes it; a segment left by a crash is
 * {@linkplain #recover read back} at the next start, a torn last record (crash mid-write, bad checksum) dropped and
 * counted, never half-read. A failed write or force fails the batch (nothing acknowledged) and cuts the segment back to
 * its last whole record; when even that fails, the log refuses appends until a restart.
 */
final class AcceptLog implements AutoCloseable {
    /** The data-dir directory holding the segments. */
    static final String DIR = "webhooks";

    private static final System.Logger LOG = System.getLogger(AcceptLog.class.getName());
    private static final int MAGIC = 0x4D43574C; // "MCWL"
    private static final int HEADER = 12; // magic, payload length, CRC-32C of the payload
    private static final String PREFIX = "accept-";
    private static final String SUFFIX = ".log";

    /** Where a segment's bytes go; a file channel, or in tests one that fails like a full disk. */
    interface Segment extends AutoCloseable {
        /** Writes every remaining byte of {@code buffers}. */
        void write(ByteBuffer[] buffers) throws IOException;

        /** Forces the written bytes to the device. */
        void force() throws IOException;

        /** Cuts the segment back to {@code size} bytes. */
        void truncate(long size) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** Opens a new segment file. */
    interface Opener {
        Segment open(Path file) throws IOException;
    }

    /**
     * A segment the writer no longer appends to, with the deliveries logged in it, in log order.
     *
     * @param file the segment file; delete it once its deliveries are durable elsewhere
     * @param deliveries the deliveries it holds ({@code seq} -1: not yet in the store)
     */
    record Sealed(Path file, List<Delivery> deliveries) {}

    /**
     * What {@link #recover} read from the segments a previous process left.
     *
     * @param segments the segment files read, oldest first
     * @param deliveries their whole records, in log order
     * @param torn torn records dropped (at most one per segment: its last)
     */
    record Recovered(List<Path> segments, List<Delivery> deliveries, int torn) {}

    private sealed interface Task {}

    private record Append(Delivery delivery, ByteBuffer record, CompletableFuture<Void> done) implements Task {}

    private record Rotate(Path file, Segment segment, CompletableFuture<Sealed> done) implements Task {}

    private record Stop() implements Task {}

    private final Path dir;
    private final Opener opener;
    private final long maxRecordBytes;
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final AtomicLong forces = new AtomicLong();
    private final Object enqueue = new Object();
    private final Object rotation = new Object();
    private Thread writer;
    private boolean closed;
    private volatile String broken;
    /** The number of the newest segment file; guarded by {@code rotation}. */
    private long number;
    // Owned by the writer thread:
    private Path file;
    private Segment segment;
    private long size;
    private List<Delivery> logged = new ArrayList<>();

    /**
     * @param dir the directory of the segments (created if absent)
     * @param maxBodyBytes the largest body a record holds; a longer length field marks a torn record
     */
    AcceptLog(Path dir, long maxBodyBytes) {
        this(dir, maxBodyBytes, AcceptLog::openFile);
    }

    AcceptLog(Path dir, long maxBodyBytes, Opener opener) {
        this.dir = dir;
        this.opener = opener;
        this.maxRecordBytes = maxBodyBytes + 64 * 1024;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the webhook accept log's directory " + dir, e);
        }
    }

    /** Opens a new segment file for appending. */
    static Segment openFile(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Segment() {
            @Override
            public void write(ByteBuffer[] buffers) throws IOException {
                long remaining = 0;
                for (ByteBuffer buffer : buffers) {
                    remaining += buffer.remaining();
                }
                while (remaining > 0) {
                    remaining -= channel.write(buffers);
                }
            }

            @Override
            public void force() throws IOException {
                channel.force(false);
            }

            @Override
            public void truncate(long size) throws IOException {
                channel.truncate(size);
                channel.position(size);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    /**
     * Reads the segments a previous process left (call before {@link #start}); the caller folds their deliveries
     * into the store, idempotently, and then deletes the files.
     */
    Recovered recover() {
        synchronized (rotation) {
            return recoverSegments();
        }
    }

    private Recovered recoverSegments() {
        List<Path> segments = segments();
        List<Delivery> deliveries = new ArrayList<>();
        int torn = 0;
        for (Path segment : segments) {
            number = Math.max(number, numberOf(segment));
            if (!read(segment, deliveries)) {
                torn++;
            }
        }
        return new Recovered(segments, deliveries, torn);
    }

    /** Opens the first segment and starts the writer. */
    void start() {
        synchronized (rotation) {
            try {
                file = nextFile();
                segment = opener.open(file);
                syncDirectory();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the webhook accept log in " + dir, e);
            }
        }
        writer = Thread.ofPlatform().name("webhook-accept-log").daemon().start(this::write);
    }

    /** The segment files present, oldest first. */
    List<Path> segments() {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.getFileName().toString().startsWith(PREFIX)
                            && p.getFileName().toString().endsWith(SUFFIX))
                    .sorted((a, b) -> Long.compare(numberOf(a), numberOf(b)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the webhook accept log in " + dir, e);
        }
    }

    private static long numberOf(Path segment) {
        String name = segment.getFileName().toString();
        try {
            return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Forces done so far; appends divided by this is the group-commit batch size. */
    long forces() {
        return forces.get();
    }

    /**
     * Queues {@code delivery}'s record.
     *
     * @return completes once the record is forced to disk; fails (a {@link WebhookException}) when it could not be,
     *     and then nothing of it counts as logged
     */
    CompletableFuture<Void> append(Delivery delivery) {
        ByteBuffer record = encode(delivery);
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (enqueue) {
            if (closed) {
                return CompletableFuture.failedFuture(new WebhookException("The webhook inbox is closed"));
            }
            if (broken != null) {
                return CompletableFuture.failedFuture(new WebhookException(broken));
            }
            queue.add(new Append(delivery, record, done));
        }
        return done;
    }

    /**
     * Closes the current segment and continues in a new one: every record appended before is in the returned one,
     * every record after in the next. The new file is created and made durable in its directory here, on the
     * caller's thread, so that the writer only switches to it and appends never wait for a directory sync.
     *
     * @throws WebhookException when no new segment can be created (the writer goes on in the current one)
     */
    Sealed rotate() {
        synchronized (rotation) {
            Path next;
            Segment opened;
            try {
                next = nextFile();
                opened = opener.open(next);
                syncDirectory();
            } catch (IOException e) {
                throw new WebhookException("The webhook inbox could not open a new accept log segment", e);
            }
            CompletableFuture<Sealed> done = new CompletableFuture<>();
            boolean queued;
            synchronized (enqueue) {
                queued = !closed;
                if (queued) {
                    queue.add(new Rotate(next, opened, done));
                }
            }
            if (!queued) {
                closeQuietly(opened);
                delete(next);
                throw new WebhookException("The webhook inbox is closed");
            }
            return done.join();
        }
    }

    private Path nextFile() {
        number++;
        return dir.resolve(PREFIX + String.format("%016d", number) + SUFFIX);
    }

    /** Makes a new file's directory entry durable before a record in it is acknowledged. */
    private void syncDirectory() throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private static void closeQuietly(Segment segment) {
        try {
            segment.close();
        } catch (IOException e) {
            // an empty segment nobody appended to
        }
    }

    /** Deletes a segment whose deliveries are durable in the store. */
    void delete(Path segment) {
        try {
            Files.deleteIfExists(segment);
        } catch (IOException e) {
            // Harmless: its deliveries are folded again, idempotently, at the next start.
            LOG.log(WARNING, "Could not delete the folded webhook accept log segment " + segment + ": " + e);
        }
    }

    private void write() {
        List<Task> batch = new ArrayList<>();
        while (GroupCommit.next(queue, batch)) {
            List<Append> appends = new ArrayList<>(batch.size());
            for (Task task : batch) {
                switch (task) {
                    case Append append -> appends.add(append);
                    case Rotate rotate -> {
                        // Records queued before the rotation belong to the sealed segment.
                        flush(appends);
                        appends.clear();
                        rotate(rotate);
                    }
                    case Stop stop -> {
                        flush(appends);
                        closeSegment();
                        return;
                    }
                }
            }
            flush(appends);
        }
    }

    private void flush(List<Append> appends) {
        if (appends.isEmpty()) {
            return;
        }
        if (broken != null || segment == null) {
            WebhookException failure =
                    new WebhookException(broken != null ? broken : "The webhook accept log is not open");
            appends.forEach(a -> a.done().completeExceptionally(failure));
            return;
        }
        ByteBuffer[] buffers = new ByteBuffer[appends.size()];
        long bytes = 0;
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = appends.get(i).record();
            bytes += buffers[i].remaining();
        }
        try {
            segment.write(buffers);
            segment.force();
            forces.incrementAndGet();
        } catch (IOException e) {
            LOG.log(ERROR, "The webhook accept log could not write " + appends.size() + " deliveries: " + e);
            WebhookException failure =
                    new WebhookException("The webhook inbox could not log the delivery (" + e.getMessage() + ")");
            appends.forEach(a -> a.done().completeExceptionally(failure));
            cutBack();
            return;
        }
        size += bytes;
        for (Append append : appends) {
            logged.add(append.delivery());
            append.done().complete(null);
        }
    }

    /** After a failed write, cuts the segment back to its last whole record, or refuses appends from now on. */
    private void cutBack() {
        try {
            segment.truncate(size);
            segment.force();
        } catch (IOException e) {
            broken = "The webhook inbox cannot log deliveries since a disk failure; restart the appliance";
            LOG.log(ERROR, "The webhook accept log refuses deliveries until restarted: " + e);
        }
    }

    private void rotate(Rotate rotate) {
        Sealed sealed = new Sealed(file, List.copyOf(logged));
        logged = new ArrayList<>();
        closeSegment();
        file = rotate.file();
        segment = rotate.segment();
        size = 0;
        rotate.done().complete(sealed);
    }

    private void closeSegment() {
        if (segment == null) {
            return;
        }
        try {
            segment.close();
        } catch (IOException e) {
            LOG.log(WARNING, "Could not close webhook accept log segment " + file + ": " + e);
        }
        segment = null;
    }

    /**
     * Stops the writer after the records queued so far; the current segment stays for the caller to fold.
     *
     * @return the last segment and the deliveries logged in it
     */
    Sealed stop() {
        synchronized (enqueue) {
            if (closed) {
                return new Sealed(file, List.of());
            }
            closed = true;
            queue.add(new Stop());
        }
        if (writer != null) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Sealed(file, List.copyOf(logged));
    }

    @Override
    public void close() {
        stop();
    }

    static ByteBuffer encode(Delivery delivery) {
        byte[] guid = delivery.guid().getBytes(StandardCharsets.UTF_8);
        byte[] event = delivery.event().getBytes(StandardCharsets.UTF_8);
        byte[] lane = delivery.lane().getBytes(StandardCharsets.UTF_8);
        byte[] repository = delivery.repository().getBytes(StandardCharsets.UTF_8);
        byte[] body = delivery.body();
        int payload = 4 * 5 + guid.length + event.length + lane.length + repository.length + body.length + 8 * 3;
        ByteBuffer record = ByteBuffer.allocate(HEADER + payload);
        record.putInt(MAGIC).putInt(payload).putInt(0);
        for (byte[] text : List.of(guid, event, lane, repository)) {
            record.putInt(text.length).put(text);
        }
        record.putLong(delivery.installationId())
                .putLong(delivery.receivedAt().getEpochSecond())
                .putLong(delivery.receivedAt().getNano());
        record.putInt(body.length).put(body);
        CRC32C crc = new CRC32C();
        crc.update(record.array(), HEADER, payload);
        record.putInt(8, (int) crc.getValue());
        return record.flip();
    }

    /** Adds the whole records of {@code segment} to {@code into}; false when it ends in a torn record. */
    private boolean read(Path segment, List<Delivery> into) {
        long length;
        try {
            length = Files.size(segment);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read webhook accept log segment " + segment, e);
        }
        long offset = 0;
        try (InputStream file = Files.newInputStream(segment);
                DataInputStream in = new DataInputStream(new BufferedInputStream(file, 1 << 16))) {
            while (offset < length) {
                Parsed parsed = readRecord(in, length - offset);
                if (parsed == null) {
                    LOG.log(
                            WARNING,
                            "Dropped a torn record at the end of webhook accept log segment " + segment + " ("
                                    + (length - offset) + " bytes; never acknowledged)");
                    return false;
                }
                into.add(parsed.delivery());
                offset += parsed.bytes();
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read webhook accept log segment " + segment, e);
        }
    }

    /** A record read back and its length in the segment. */
    private record Parsed(Delivery delivery, long bytes) {}

    /** The next record, or null when what is left is not one whole record with a matching checksum. */
    private Parsed readRecord(DataInputStream in, long left) throws IOException {
        if (left < HEADER) {
            return null;
        }
        int magic = in.readInt();
        int payload = in.readInt();
        int checksum = in.readInt();
        if (magic != MAGIC || payload < 0 || payload > maxRecordBytes || payload > left - HEADER) {
            return null;
        }
        byte[] bytes = new byte[payload];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        if ((int) crc.getValue() != checksum) {
            return null;
        }
        try {
            ByteBuffer record = ByteBuffer.wrap(bytes);
            String guid = text(record);
            String event = text(record);
            String lane = text(record);
            String repository = text(record);
            long installation = record.getLong();
            Instant receivedAt = Instant.ofEpochSecond(record.getLong(), record.getLong());
            byte[] body = new byte[record.getInt()];
            record.get(body);
            return new Parsed(
                    new Delivery(
                            -1,
                            guid,
                            event,
                            lane,
                            repository,
                            installation,
                            Delivery.State.PENDING,
                            0,
                            "",
                            receivedAt,
                            receivedAt,
                            body),
                    HEADER + payload);
        } catch (RuntimeException e) {
            return null; // a checksum collision over garbage; treated as torn
        }
    }

    private static String text(ByteBuffer record) {
        byte[] bytes = new byte[record.getInt()];
        record.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
