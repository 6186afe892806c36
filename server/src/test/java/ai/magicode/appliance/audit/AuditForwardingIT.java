package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import ai.magicode.appliance.config.ApplianceConfig.ForwardConfig;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming to collectors on loopback: RFC 5424 syslog over TCP and HTTP JSON batches, down then up. */
class AuditForwardingIT {
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+),");

    @TempDir
    Path dir;

    private static AuditConfig forwarding(ForwardConfig forward) {
        return new AuditConfig(16L << 20, 1000, Duration.ZERO, Duration.ZERO, 0, forward);
    }

    /**
     * Waits for {@code condition}. The deadline covers the forwarder's longest retry backoff (30 s) plus the send:
     * on a loaded machine the refusals before the collector comes up can push the backoff to its cap.
     */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    private static ServerSocket bound(int port) throws IOException {
        ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
        socket.setSoTimeout(40_000);
        return socket;
    }

    /** Reads {@code count} octet-counted syslog frames. */
    private static List<String> frames(Socket socket, int count) throws IOException {
        socket.setSoTimeout(20_000);
        InputStream in = socket.getInputStream();
        List<String> frames = new ArrayList<>();
        while (frames.size() < count) {
            int length = 0;
            for (int b = in.read(); b != ' '; b = in.read()) {
                if (b < '0' || b > '9') {
                    throw new AssertionError("not an octet count: " + (char) b);
                }
                length = length * 10 + (b - '0');
            }
            frames.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
        return frames;
    }

    @Test
    void syslogCollectorReceivesRfc5424FramesAfterComingUp() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free now; the collector is down until we bind it below
        }
        ForwardConfig forward = new ForwardConfig(Optional.of("127.0.0.1:" + port), false, Optional.empty(), 100);
        try (AuditLog log = AuditLogs.open(dir, forwarding(forward))) {
            for (int i = 1; i <= 3; i++) {
                log.append(AuditLogs.event(i)); // returns although the collector is down
            }
            log.append(
                    AuditEvent.of("secret.delete", "k").actor(Actor.user("u")).denied());
            await(() -> log.forwardingProblem().isPresent(), "the health warning names the unreachable collector");
            assertTrue(
                    log.forwardingProblem().get().contains("syslog unreachable"),
                    log.forwardingProblem().get());
            try (ServerSocket collector = bound(port);
                    Socket connection = collector.accept()) {
                List<String> frames = frames(connection, 4);
                for (int i = 0; i < 3; i++) {
                    assertTrue(
                            frames.get(i)
                                    .matches("<110>1 \\S+Z \\S+ magicode - test.action - \uFEFF\\{\"seq\":" + (i + 1)
                                            + ",.*\"hash\":\"[0-9a-f]{64}\"}"),
                            frames.get(i));
                }
                assertTrue(frames.get(3).startsWith("<108>1 "), "denied actions are warnings: " + frames.get(3));
                await(() -> log.forwardingProblem().isEmpty(), "the warning clears");
            }
        }
    }

    /** The log keeps a tenant's values sealed on disk; the customer's collector still gets them readable. */
    @Test
    void collectorsGetATenantsValuesInTheClearThoughTheLogSealsThem() throws IOException {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/collect", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/collect");
        try (AuditLog log =
                AuditLogs.open(dir, forwarding(new ForwardConfig(Optional.empty(), false, Optional.of(url), 1000)))) {
            log.append(AuditEvent.of("secret.rotate", "acme-billing-key")
                    .tenant("acme")
                    .actor(Actor.user("alice"))
                    .field("reason", "quarterly-rotation")
                    .success());
            await(() -> String.join("", bodies).contains("acme-billing-key"), "the collector got the entry");
            String forwarded = String.join("", bodies);
            assertTrue(forwarded.contains("quarterly-rotation"), forwarded);
            assertTrue(forwarded.contains("alice"), forwarded);
            String stored;
            try (var segments = java.nio.file.Files.list(dir)) {
                stored = segments.filter(f -> f.getFileName().toString().endsWith(".jsonl"))
                        .map(f -> {
                            try {
                                return java.nio.file.Files.readString(f);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        })
                        .reduce("", String::concat);
            }
            assertTrue(stored.contains("secret.rotate"), "the entry is on disk: " + stored);
            assertTrue(!stored.contains("acme-billing-key") && !stored.contains("quarterly-rotation"), stored);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void httpCollectorGetsEveryEntryOnceAfterRefusingAtFirst() throws IOException {
        List<Long> received = new CopyOnWriteArrayList<>();
        AtomicBoolean up = new AtomicBoolean(false);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/collect", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // Read once: answering 204 for a batch that was not recorded would lose it from the test's view.
            boolean accepting = up.get();
            if (accepting) {
                Matcher seq = SEQ.matcher(new String(body, StandardCharsets.UTF_8));
                while (seq.find()) {
                    received.add(Long.parseLong(seq.group(1)));
                }
                assertEquals("application/json", exchange.getRequestHeaders().getFirst("Content-Type"));
            }
            exchange.sendResponseHeaders(accepting ? 204 : 503, -1);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/collect");
        try (AuditLog log =
                AuditLogs.open(dir, forwarding(new ForwardConfig(Optional.empty(), false, Optional.of(url), 1000)))) {
            for (int i = 1; i <= 50; i++) {
                log.append(AuditLogs.event(i));
            }
            await(() -> log.forwardingProblem().isPresent(), "the refusing collector is reported");
            assertTrue(
                    log.forwardingProblem().get().contains("503"),
                    log.forwardingProblem().get());
            up.set(true);
            await(() -> received.size() == 50, "all 50 entries arrived");
            assertEquals(java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList(), received);
            await(() -> log.forwardingProblem().isEmpty(), "the warning clears");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void fullBacklogDropsTheOldestWithoutBlockingAppends() throws IOException {
        List<Long> received = new CopyOnWriteArrayList<>();
        AtomicBoolean up = new AtomicBoolean(false);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/collect", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean accepting = up.get(); // once, as above
            if (accepting) {
                Matcher seq = SEQ.matcher(body);
                while (seq.find()) {
                    received.add(Long.parseLong(seq.group(1)));
                }
            }
            exchange.sendResponseHeaders(accepting ? 200 : 503, -1);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/collect");
        try (AuditLog log =
                AuditLogs.open(dir, forwarding(new ForwardConfig(Optional.empty(), false, Optional.of(url), 5)))) {
            for (int i = 1; i <= 20; i++) {
                log.append(AuditLogs.event(i));
            }
            AuditForwarder forwarder = log.forwarders().getFirst();
            assertEquals(15, forwarder.dropped());
            assertTrue(
                    log.forwardingProblem().orElseThrow().contains("15 entries dropped"),
                    log.forwardingProblem().toString());
            up.set(true);
            await(() -> received.contains(20L), "the newest entry arrived");
            // a batch copied before the drops may still be in flight when the collector comes up
            assertEquals(List.of(16L, 17L, 18L, 19L, 20L), received.subList(received.size() - 5, received.size()));
            assertEquals(20, log.query(AuditQuery.all()).entries().size(), "the local log keeps everything");
        } finally {
            server.stop(0);
        }
    }
}
