package ai.magicode.appliance.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench startup}: starts this jar as a fresh process several times on an empty data dir
 * and reports process start to ready (first 200 from {@code /observe/health/ready}), idle resident memory
 * and the jar's size. A benchmark for docs/performance.md, not a test.
 */
@Command(
        name = "bench",
        description = "Benchmarks; see docs/performance.md.",
        mixinStandardHelpOptions = true,
        subcommands = {
            StartupBenchmark.Startup.class,
            AuthBench.class,
            LocalizeBenchmark.class,
            IndexBenchmark.class,
            IndexQueryBench.class,
            IndexUpdateBench.class,
            WebhooksBench.class,
            AgentBench.class
        })
public final class StartupBenchmark implements Runnable {
    @Override
    public void run() {
        System.out.println("Usage: magicode bench startup [--runs N] [--idle-seconds S] [--jar FILE]");
        System.out.println("       magicode bench auth [--validations N] [--seconds S] [--rounds R] [--connections C]");
        System.out.println("       magicode bench webhooks [--seconds S] [--rounds R] [--connections C] [--dir DIR]");
        System.out.println("       magicode bench index-query [--chunks N] [--queries Q] [--dir DIR]");
        System.out.println("       magicode bench agent [--files N] [--jobs J] [--concurrent C] [--dir DIR]");
    }

    @Command(
            name = "startup",
            mixinStandardHelpOptions = true,
            description = "Start-to-ready time, idle RSS and jar size.")
    static final class Startup implements Runnable {
        private static final Pattern READY = Pattern.compile("ready on port (\\d+)");

        @Option(
                names = "--runs",
                defaultValue = "5",
                description = "Fresh starts to measure (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(
                names = "--idle-seconds",
                defaultValue = "10",
                description = "Idle time after ready before reading RSS (default: ${DEFAULT-VALUE}).")
        int idleSeconds;

        @Option(names = "--jar", description = "The jar to start (default: the one running this command).")
        Path jar;

        @Option(
                names = "--aot-cache",
                description =
                        "AOT cache to compare against plain `java -jar` (default: magicode-server.aot beside the jar, if present).")
        Path aotCache;

        @Override
        public void run() {
            Path target = jar != null ? jar : runningJar();
            Path cache = aotCache != null ? aotCache : target.resolveSibling("magicode-server.aot");
            List<List<String>> modes = new ArrayList<>();
            modes.add(List.of());
            if (Files.isRegularFile(cache)) {
                modes.add(List.of("-XX:AOTCache=" + cache));
            }
            warmUpClient();
            List<List<Run>> results = new ArrayList<>();
            modes.forEach(mode -> results.add(new ArrayList<>()));
            // Modes alternate run by run so that background load hits both alike.
            for (int i = 0; i < runs; i++) {
                for (int m = 0; m < modes.size(); m++) {
                    Run run = measure(target, modes.get(m));
                    results.get(m).add(run);
                    System.out.printf(
                            "run %d %s: ready in %d ms, idle RSS %.1f MiB%n",
                            i + 1, label(modes.get(m)), run.readyMillis(), run.rssKib() / 1024.0);
                }
            }
            long[] medians = new long[modes.size()];
            for (int m = 0; m < modes.size(); m++) {
                List<Long> ready = results.get(m).stream().map(Run::readyMillis).toList();
                List<Long> rss = results.get(m).stream().map(Run::rssKib).toList();
                medians[m] = median(ready);
                System.out.printf(
                        "%s: start to ready median %d ms (min %d, max %d) over %d runs;"
                                + " idle RSS after %d s median %.1f MiB%n",
                        label(modes.get(m)),
                        medians[m],
                        ready.stream().min(Long::compare).orElseThrow(),
                        ready.stream().max(Long::compare).orElseThrow(),
                        runs,
                        idleSeconds,
                        median(rss) / 1024.0);
            }
            if (modes.size() > 1) {
                System.out.printf("AOT cache / plain start-to-ready ratio: %.2f%n", (double) medians[1] / medians[0]);
            }
            try {
                System.out.printf(
                        "jar size: %.1f MiB (%d bytes)%n", Files.size(target) / 1048576.0, Files.size(target));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + target, e);
            }
        }

        private static String label(List<String> jvmOptions) {
            return jvmOptions.isEmpty() ? "java -jar" : "java " + String.join(" ", jvmOptions) + " -jar";
        }

        private record Run(long readyMillis, long rssKib) {}

        /** Warmed up before the first run, so that no run pays for loading the client's own classes. */
        private final HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private void warmUpClient() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
                server.createContext("/", exchange -> {
                    exchange.sendResponseHeaders(204, -1);
                    exchange.close();
                });
                server.start();
                try {
                    client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + server.getAddress().getPort() + "/"))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                } finally {
                    server.stop(0);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot warm up the HTTP client", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private Run measure(Path target, List<String> jvmOptions) {
            Path dataDir;
            try {
                dataDir = Files.createTempDirectory("magicode-bench");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "--sun-misc-unsafe-memory-access=allow"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", target.toString(), "serve"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().put("MAGICODE_DATA_DIR", dataDir.toString());
            builder.environment().put("MAGICODE_PORT", "0");
            builder.environment().remove("MAGICODE_CONFIG");
            long start = System.nanoTime();
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + target, e);
            }
            try {
                CompletableFuture<Integer> port = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> readPort(process, port));
                int listening = port.get(60, TimeUnit.SECONDS);
                HttpRequest ready = HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + listening + "/observe/health/ready"))
                        .build();
                while (client.send(ready, HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        != 200) {
                    Thread.onSpinWait();
                }
                long readyMillis = (System.nanoTime() - start) / 1_000_000;
                Thread.sleep(Duration.ofSeconds(idleSeconds)); // a benchmark's idle period, not a test's wait
                long rss = rssKib(process.pid());
                return new Run(readyMillis, rss);
            } catch (Exception e) {
                throw new IllegalStateException("benchmark run failed", e);
            } finally {
                process.destroy();
                try {
                    process.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process.destroyForcibly();
                deleteTree(dataDir);
            }
        }

        private static void readPort(Process process, CompletableFuture<Integer> port) {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher matcher = READY.matcher(line);
                    if (!port.isDone() && matcher.find()) {
                        port.complete(Integer.parseInt(matcher.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the appliance exited before it was ready"));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        }

        private static long rssKib(long pid) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            throw new IllegalStateException("no VmRSS for pid " + pid);
        }

        private static long median(List<Long> values) {
            List<Long> sorted = values.stream().sorted().toList();
            return sorted.get(sorted.size() / 2);
        }

        private static Path runningJar() {
            try {
                Path location = Path.of(StartupBenchmark.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
                if (Files.isRegularFile(location)) {
                    return location;
                }
            } catch (Exception e) {
                // fall through to the message below
            }
            throw new IllegalStateException("not running from a jar: pass --jar server/target/magicode-server.jar");
        }

        private static void deleteTree(Path dir) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // a temp dir; nothing to lose
            }
        }
    }
}
