package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.AuditLog;
import ai.magicode.appliance.config.ApplianceConfig.AuditConfig;
import ai.magicode.appliance.config.WebhookConfig;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The figures of {@code magicode bench webhooks}: signed deliveries accepted durably per second (signature checked,
 * appended to the accept log and forced before the 202; audited, processed and stored in the background meanwhile)
 * and their p99 latency, against a no-op route that reads the same body on the same listener, measured alternately in one run.
 * Before the HTTP rounds, the same deliveries go straight into {@link WebhookInbox#receive} (signature checked) from as
 * many virtual threads as there are connections: the inbox's own figure, less sensitive to a loaded machine. Before each
 * measured slice the run waits (untimed) until every delivery accepted so far is processed, so that no slice pays for
 * the background work of an earlier one; each webhook slice pays for the processing done during it.
 */
public final class WebhookBenchmark {
    private static final byte[] SECRET = "bench-webhook-secret".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NOOP_ANSWER =
            "{\"delivery\":\"bench\",\"status\":\"accepted\"}".getBytes(StandardCharsets.UTF_8);

    private WebhookBenchmark() {}

    /**
     * The measured figures.
     *
     * @param webhooksPerSecond signed deliveries accepted durably per second
     * @param webhookP99Millis their p99 latency
     * @param noopPerSecond requests/s of the no-op route
     * @param noopP99Millis its p99 latency
     * @param deliveriesPerCommit deliveries per store commit (each enters the store once, mostly with its processed mark)
     * @param deliveriesPerForce deliveries per force of the accept log: its group-commit batch
     * @param inProcessPerSecond deliveries/s accepted by calling the inbox in-process (no HTTP)
     * @param inProcessP99Millis their p99 latency
     * @param webhookCpuMicros CPU time of the whole process (load clients included) per webhook request
     * @param noopCpuMicros the same per no-op request
     * @param inProcessCpuMicros the same per in-process delivery
     */
    public record Result(
            double webhooksPerSecond,
            double webhookP99Millis,
            double noopPerSecond,
            double noopP99Millis,
            double deliveriesPerCommit,
            double deliveriesPerForce,
            double inProcessPerSecond,
            double inProcessP99Millis,
            double webhookCpuMicros,
            double noopCpuMicros,
            double inProcessCpuMicros) {
        public double ratio() {
            return webhooksPerSecond / noopPerSecond;
        }
    }

    /**
     * Runs the measurement in a scratch directory under {@code parent}, printing progress to {@code out}.
     *
     * @param warmup how long both routes are loaded, alternately and unmeasured, before the rounds: the webhook path
     *     runs far more code than the no-op route (the store, the audit log, the event parser), which the JIT compiler
     *     takes tens of seconds to compile on 2 cores; the warm-up slices are printed so that a run shows it settled
     */
    public static Result run(
            Path parent, Duration warmup, Duration slice, int rounds, int connections, PrintStream out) {
        Path dir;
        try {
            dir = Files.createTempDirectory(
                    Files.createDirectories(parent.toAbsolutePath()), "magicode-bench-webhooks");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory under " + parent, e);
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of());
                AuditLog audit = AuditLog.open(dir.resolve("audit"), AuditConfig.defaults(), WebhookBenchmark::seed)) {
            Vault vault = Vault.open(store, MasterKeySource.file(dir), audit::append);
            vault.put(AuditEvent.PLATFORM, WebhookSecret.NAME, SECRET, ai.magicode.appliance.audit.Actor.system(), "-");
            try (WebhookInbox inbox =
                    new WebhookInbox(WebhookConfig.defaults(), store, audit::append, audit::appendAsync)) {
                inbox.start();
                WebhookSecret secret = new WebhookSecret(vault);
                AtomicLong sequence = new AtomicLong();
                direct(inbox, secret, sequence, Duration.ofSeconds(3), connections); // warm-up
                drain(inbox, out);
                Slice inProcess = direct(inbox, secret, sequence, slice.multipliedBy(rounds), connections);
                out.printf(
                        "in-process (WebhookInbox.receive, %d threads): %.0f/s, p99 %.1f ms, CPU %.0f µs per delivery%n",
                        connections, inProcess.perSecond(), p99(inProcess.latencies()), inProcess.cpuMicros());
                WebServer server = WebServer.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .routing(routing -> {
                            routing.addFilter(new RequestIds());
                            new Problems(25L << 20).register(routing);
                            routing.register("/webhooks", new WebhookRoutes(inbox, secret, 25L << 20, audit::append));
                            // Reads the body and answers as cheaply as the webhook route does (a stream read, the
                            // JSON bytes written directly): the baseline must not pay for media support the webhook
                            // route skips, or the ratio flatters it.
                            routing.post("/noop", Access.open((req, res) -> {
                                try (java.io.InputStream in = req.content().inputStream()) {
                                    in.readAllBytes();
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                                res.status(Status.ACCEPTED_202)
                                        .header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON)
                                        .send(NOOP_ANSWER);
                            }));
                        })
                        .build()
                        .start();
                try {
                    URI webhooks = URI.create("http://127.0.0.1:" + server.port() + "/webhooks/github");
                    URI noop = URI.create("http://127.0.0.1:" + server.port() + "/noop");
                    Duration warmupSlice = slice.dividedBy(2);
                    for (long left = warmup.toNanos(); left > 0; left -= 2 * warmupSlice.toNanos()) {
                        drain(inbox, out);
                        Slice w = load(webhooks, sequence, warmupSlice, connections);
                        drain(inbox, out);
                        Slice n = load(noop, sequence, warmupSlice, connections);
                        out.printf(
                                "warm-up: webhooks %.0f/s (p99 %.1f ms, CPU %.0f µs/request), no-op %.0f/s (p99 %.1f"
                                        + " ms)%n",
                                w.perSecond(), p99(w.latencies()), w.cpuMicros(), n.perSecond(), p99(n.latencies()));
                    }
                    drain(inbox, out);
                    long deliveriesBefore = inbox.deliveries().size();
                    long commitsBefore = inbox.commits();
                    long forcesBefore = inbox.logForces();
                    List<Long> webhookLatencies = new ArrayList<>();
                    List<Long> noopLatencies = new ArrayList<>();
                    double webhookTotal = 0;
                    double noopTotal = 0;
                    double webhookCpu = 0;
                    double noopCpu = 0;
                    for (int round = 0; round < rounds; round++) {
                        drain(inbox, out);
                        Slice w = load(webhooks, sequence, slice, connections);
                        drain(inbox, out);
                        Slice n = load(noop, sequence, slice, connections);
                        webhookLatencies.addAll(w.latencies());
                        noopLatencies.addAll(n.latencies());
                        out.printf(
                                "round %d: webhooks %.0f/s (p99 %.1f ms, CPU %.0f µs/request), no-op %.0f/s (p99 %.1f"
                                        + " ms, CPU %.0f µs/request)%n",
                                round + 1,
                                w.perSecond(),
                                p99(w.latencies()),
                                w.cpuMicros(),
                                n.perSecond(),
                                p99(n.latencies()),
                                n.cpuMicros());
                        webhookTotal += w.perSecond();
                        noopTotal += n.perSecond();
                        webhookCpu += w.cpuMicros();
                        noopCpu += n.cpuMicros();
                    }
                    long deliveries = inbox.deliveries().size() - deliveriesBefore;
                    long commits = inbox.commits() - commitsBefore;
                    long forces = inbox.logForces() - forcesBefore;
                    Result result = new Result(
                            webhookTotal / rounds,
                            p99(webhookLatencies),
                            noopTotal / rounds,
                            p99(noopLatencies),
                            commits == 0 ? 0 : (double) deliveries / commits,
                            forces == 0 ? 0 : (double) deliveries / forces,
                            inProcess.perSecond(),
                            p99(inProcess.latencies()),
                            webhookCpu / rounds,
                            noopCpu / rounds,
                            inProcess.cpuMicros());
                    out.printf(
                            "signed deliveries accepted durably: %.0f/s, p99 %.1f ms; no-op route: %.0f/s, p99 %.1f ms;"
                                    + " ratio %.2f (%d connections, %.1f deliveries per log force, %.1f deliveries per store"
                                    + " commit)%n",
                            result.webhooksPerSecond(),
                            result.webhookP99Millis(),
                            result.noopPerSecond(),
                            result.noopP99Millis(),
                            result.ratio(),
                            connections,
                            result.deliveriesPerForce(),
                            result.deliveriesPerCommit());
                    out.printf(
                            "process CPU per request (load clients included): webhooks %.0f µs, no-op %.0f µs,"
                                    + " in-process %.0f µs%n",
                            result.webhookCpuMicros(), result.noopCpuMicros(), result.inProcessCpuMicros());
                    if (DROPPED.get() > 0) {
                        out.printf(
                                "requests lost to closed keep-alive connections (not measured): %d%n", DROPPED.get());
                    }
                    return result;
                } finally {
                    server.stop();
                }
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** Waits (untimed, up to a minute) until every delivery accepted so far is processed, and says how long it took. */
    private static void drain(WebhookInbox inbox, PrintStream out) {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(1).toNanos();
        while (inbox.deliveries().stream().anyMatch(d -> d.state() == Delivery.State.PENDING)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the inbox did not process its backlog within a minute");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the backlog", e);
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (millis >= 100) {
            out.printf("(backlog processed in %d ms before the next slice)%n", millis);
        }
    }

    /** A measured slice; {@code cpuMicros} is the process's CPU time during it divided by the requests done. */
    private record Slice(double perSecond, List<Long> latencies, double cpuMicros) {}

    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
    }

    /** Requests lost to closed keep-alive connections that a run tolerates (each is reported, not measured). */
    private static final int MAX_DROPPED = 10;

    private static final AtomicLong DROPPED = new AtomicLong();

    /** Deliveries/s and latencies of {@code threads} virtual threads verifying and handing deliveries to the inbox. */
    private static Slice direct(
            WebhookInbox inbox, WebhookSecret secret, AtomicLong sequence, Duration duration, int threads) {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int repository = t + 1;
                results.add(workers.submit(() -> {
                    long[] latencies = new long[1024];
                    int count = 0;
                    while (System.nanoTime() < end) {
                        long n = sequence.incrementAndGet();
                        byte[] body = payload(repository, n);
                        String signature = WebhookSignature.sign(SECRET, body);
                        long sent = System.nanoTime();
                        if (!WebhookSignature.verify(secret.key().orElseThrow(), body, signature)) {
                            throw new IllegalStateException("the benchmark's signature does not verify");
                        }
                        WebhookInbox.Receipt receipt = inbox.receive("issues", "bench-" + n, body, "bench");
                        if (receipt != WebhookInbox.Receipt.ACCEPTED) {
                            throw new IllegalStateException("the inbox answered " + receipt);
                        }
                        if (count == latencies.length) {
                            latencies = Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = System.nanoTime() - sent;
                    }
                    return Arrays.copyOf(latencies, count);
                }));
            }
        }
        return slice(results, start, cpu);
    }

    /** Requests/s and per-request latencies that {@code connections} keep-alive clients get in {@code duration}. */
    private static Slice load(URI uri, AtomicLong sequence, Duration duration, int connections) {
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Future<long[]>> results = new ArrayList<>();
        try (ExecutorService workers = Executors.newFixedThreadPool(connections)) {
            for (int c = 0; c < connections; c++) {
                int repository = c + 1;
                results.add(workers.submit(() -> {
                    HttpClient client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    long[] latencies = new long[1024];
                    int count = 0;
                    while (System.nanoTime() < end) {
                        long n = sequence.incrementAndGet();
                        byte[] body = payload(repository, n);
                        HttpRequest request = HttpRequest.newBuilder(uri)
                                .header("Content-Type", "application/json")
                                .header("X-GitHub-Event", "issues")
                                .header("X-GitHub-Delivery", "bench-" + n)
                                .header(WebhookSignature.HEADER, WebhookSignature.sign(SECRET, body))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build();
                        long sent = System.nanoTime();
                        HttpResponse<Void> response;
                        try {
                            response = client.send(request, HttpResponse.BodyHandlers.discarding());
                        } catch (IOException e) {
                            // The JDK client does not retry a POST on a keep-alive connection the server had just
                            // closed; such a request is left out of the figures, and more than a few fail the run.
                            if (DROPPED.incrementAndGet() > MAX_DROPPED) {
                                throw e;
                            }
                            continue;
                        }
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException(uri + " answered " + response.statusCode());
                        }
                        if (count == latencies.length) {
                            latencies = Arrays.copyOf(latencies, count * 2);
                        }
                        latencies[count++] = System.nanoTime() - sent;
                    }
                    return Arrays.copyOf(latencies, count);
                }));
            }
        }
        return slice(results, start, cpu);
    }

    private static Slice slice(List<Future<long[]>> results, long start, long cpu) {
        List<Long> latencies = new ArrayList<>();
        for (Future<long[]> result : results) {
            try {
                for (long latency : result.get()) {
                    latencies.add(latency);
                }
            } catch (Exception e) {
                throw new IllegalStateException("a load client failed: " + e.getMessage(), e);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMicros = latencies.isEmpty() ? 0 : (processCpuNanos() - cpu) / 1e3 / latencies.size();
        return new Slice(latencies.size() / seconds, latencies, cpuMicros);
    }

    /** An {@code issues} delivery of about 2 KB, like a real one's interesting part. */
    private static byte[] payload(int repository, long number) {
        String body = "Steps to reproduce: ".repeat(60);
        return ("{\"action\":\"opened\",\"issue\":{\"number\":" + number + ",\"title\":\"Bench issue " + number
                        + "\",\"body\":\"" + body
                        + "\",\"labels\":[{\"name\":\"magicode\"}],\"user\":{\"login\":\"octocat\"},"
                        + "\"state\":\"open\"},\"repository\":{\"id\":" + repository + ",\"full_name\":\"bench/repo-"
                        + repository + "\"},\"installation\":{\"id\":1},\"sender\":{\"login\":\"octocat\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static double p99(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return 0;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] / 1e6;
    }

    private static byte[] seed() {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a scratch dir; the OS cleans it eventually
        }
    }
}
