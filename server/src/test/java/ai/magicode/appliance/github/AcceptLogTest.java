package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcceptLogTest {
    private static final long MAX_BODY = 1 << 20;

    @TempDir
    Path dir;

    static Delivery delivery(String guid, String body) {
        Instant at = Instant.parse("2026-11-30T01:02:03.456789Z");
        return new Delivery(
                -1,
                guid,
                "issues",
                "repo:7",
                "o/r",
                42,
                Delivery.State.PENDING,
                0,
                "",
                at,
                at,
                body.getBytes(StandardCharsets.UTF_8));
    }

    private AcceptLog started(AcceptLog.Opener opener) {
        AcceptLog log = new AcceptLog(dir, MAX_BODY, opener);
        assertTrue(log.recover().deliveries().isEmpty());
        log.start();
        return log;
    }

    @Test
    void readsBackEveryAcknowledgedRecordWithItsHeadersAndRawBody() {
        AcceptLog log = started(AcceptLog::openFile);
        for (int n = 0; n < 50; n++) {
            log.append(delivery("g" + n, "{\"n\":" + n + ",\"text\":\"\\u00e9\"}"))
                    .join();
        }
        log.stop();
        AcceptLog.Recovered recovered = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(0, recovered.torn());
        assertEquals(1, recovered.segments().size());
        assertEquals(50, recovered.deliveries().size());
        Delivery first = recovered.deliveries().getFirst();
        Delivery expected = delivery("g0", "{\"n\":0,\"text\":\"\\u00e9\"}");
        assertEquals(
                List.of("g0", "issues", "repo:7", "o/r", 42L, expected.receivedAt(), -1L),
                List.of(
                        first.guid(),
                        first.event(),
                        first.lane(),
                        first.repository(),
                        first.installationId(),
                        first.receivedAt(),
                        first.seq()));
        assertArrayEquals(expected.body(), first.body());
        assertEquals("g49", recovered.deliveries().getLast().guid());
    }

    @Test
    void dropsATornLastRecordAndCountsItWithoutHalfReadingIt() throws IOException {
        AcceptLog log = started(AcceptLog::openFile);
        for (int n = 0; n < 3; n++) {
            log.append(delivery("g" + n, "body " + n)).join();
        }
        Path segment = log.stop().file();
        long whole = Files.size(segment);
        Path copy = dir.resolve("copy.bin");
        Files.copy(segment, copy);

        // A crash mid-write: the last record cut short.
        try (var channel = Files.newByteChannel(segment, StandardOpenOption.WRITE)) {
            channel.truncate(whole - 5);
        }
        AcceptLog.Recovered cut = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(List.of("g0", "g1"), guids(cut));
        assertEquals(1, cut.torn());

        // A bad checksum: one byte of the last body flipped.
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length - 2] ^= 0x20;
        Files.write(segment, bytes);
        AcceptLog.Recovered flipped = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(List.of("g0", "g1"), guids(flipped));
        assertEquals(1, flipped.torn());

        // Half a header after the whole records.
        Files.write(segment, Files.readAllBytes(copy));
        Files.write(segment, new byte[] {0x4D, 0x43, 0x57}, StandardOpenOption.APPEND);
        AcceptLog.Recovered half = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(List.of("g0", "g1", "g2"), guids(half));
        assertEquals(1, half.torn());
        Files.delete(copy);
    }

    @Test
    void aFailedWriteAcknowledgesNothingAndCutsTheSegmentBackToItsLastWholeRecord() {
        AtomicBoolean full = new AtomicBoolean();
        AcceptLog log = started(file -> new FillingDisk(AcceptLog.openFile(file), full, false));
        log.append(delivery("g1", "first")).join();
        full.set(true);
        CompletionException refused = assertThrows(
                CompletionException.class,
                () -> log.append(delivery("g2", "second")).join());
        assertInstanceOf(WebhookException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("No space left on device"), refused.getMessage());
        full.set(false);
        log.append(delivery("g3", "third")).join();
        AcceptLog.Sealed sealed = log.stop();
        assertEquals(
                List.of("g1", "g3"),
                sealed.deliveries().stream().map(Delivery::guid).toList());
        AcceptLog.Recovered recovered = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(List.of("g1", "g3"), guids(recovered), "the half-written g2 was cut away");
        assertEquals(0, recovered.torn());
    }

    @Test
    void refusesEveryAppendWhenTheSegmentCannotBeCutBack() {
        AtomicBoolean full = new AtomicBoolean();
        AcceptLog log = started(file -> new FillingDisk(AcceptLog.openFile(file), full, true));
        log.append(delivery("g1", "first")).join();
        full.set(true);
        assertThrows(
                CompletionException.class,
                () -> log.append(delivery("g2", "second")).join());
        full.set(false);
        CompletionException refused = assertThrows(
                CompletionException.class,
                () -> log.append(delivery("g3", "third")).join());
        assertTrue(
                refused.getCause().getMessage().contains("restart"),
                refused.getCause().getMessage());
        log.stop();
        // Only the acknowledged record is read back; the torn bytes after it are dropped and counted.
        AcceptLog.Recovered recovered = new AcceptLog(dir, MAX_BODY).recover();
        assertEquals(List.of("g1"), guids(recovered));
        assertEquals(1, recovered.torn());
    }

    @Test
    void rotationSealsWhatWasAppendedBeforeAndNumbersSegmentsInOrder() {
        AcceptLog log = started(AcceptLog::openFile);
        log.append(delivery("g1", "a")).join();
        AcceptLog.Sealed first = log.rotate();
        log.append(delivery("g2", "b")).join();
        AcceptLog.Sealed second = log.stop();
        assertEquals(
                List.of("g1"), first.deliveries().stream().map(Delivery::guid).toList());
        assertEquals(
                List.of("g2"), second.deliveries().stream().map(Delivery::guid).toList());
        assertEquals(List.of(first.file(), second.file()), log.segments());
        log.delete(first.file());
        assertFalse(Files.exists(first.file()));
        AcceptLog reopened = new AcceptLog(dir, MAX_BODY);
        assertEquals(List.of("g2"), guids(reopened.recover()));
        reopened.start();
        reopened.append(delivery("g3", "c")).join();
        AcceptLog.Sealed third = reopened.stop();
        assertTrue(
                third.file()
                                .getFileName()
                                .toString()
                                .compareTo(second.file().getFileName().toString())
                        > 0,
                "a new process appends after the segments it found: " + third.file());
    }

    @Test
    void aSegmentThatCannotBeCreatedFailsTheRotationAndTheWriterGoesOnInTheCurrentOne() {
        AtomicBoolean full = new AtomicBoolean();
        AcceptLog log = started(file -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
            return AcceptLog.openFile(file);
        });
        log.append(delivery("g1", "a")).join();
        full.set(true);
        assertThrows(WebhookException.class, log::rotate);
        log.append(delivery("g2", "b")).join();
        full.set(false);
        AcceptLog.Sealed sealed = log.rotate();
        assertEquals(
                List.of("g1", "g2"),
                sealed.deliveries().stream().map(Delivery::guid).toList());
        log.stop();
    }

    private static List<String> guids(AcceptLog.Recovered recovered) {
        return recovered.deliveries().stream().map(Delivery::guid).toList();
    }

    /** A segment on a disk that fills up: a write puts a few bytes down, then fails; optionally truncation fails too. */
    record FillingDisk(AcceptLog.Segment real, AtomicBoolean full, boolean truncationFails)
            implements AcceptLog.Segment {
        @Override
        public void write(ByteBuffer[] buffers) throws IOException {
            if (full.get()) {
                ByteBuffer partial = buffers[0].duplicate();
                partial.limit(partial.position() + Math.min(7, partial.remaining()));
                real.write(new ByteBuffer[] {partial});
                throw new IOException("No space left on device");
            }
            real.write(buffers);
        }

        @Override
        public void force() throws IOException {
            real.force();
        }

        @Override
        public void truncate(long size) throws IOException {
            if (truncationFails) {
                throw new IOException("Input/output error");
            }
            real.truncate(size);
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }
}
