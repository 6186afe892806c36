package ai.magicode.appliance.llm;

import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.store.ApplianceStore;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.http.client.jdk.JdkHttpClientBuilder;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magicode bench llm}: the routing decision's latency with a policy of many rules; the gateway's overhead on a
 * call to a local OpenAI-compatible server against the same LangChain4j model called directly, alternating in one run;
 * and the redactor's throughput with its detection rate on a generated corpus of every listed secret format. For
 * docs/performance.md, not a test.
 */
@Command(
        name = "llm",
        mixinStandardHelpOptions = true,
        description =
                "LLM gateway: routing p99, overhead over a direct LangChain4j call, redaction MB/s and detection.")
public final class LlmBenchmark implements Runnable {
    @Option(names = "--rules", defaultValue = "200", description = "Rules in the policy (default: ${DEFAULT-VALUE}).")
    int rules;

    @Option(
            names = "--decisions",
            defaultValue = "200000",
            description = "Measured routing decisions (default: ${DEFAULT-VALUE}).")
    int decisions;

    @Option(
            names = "--calls",
            defaultValue = "2000",
            description = "Measured calls each, gateway and direct (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(
            names = "--corpus-mb",
            defaultValue = "16",
            description = "Size of the redaction corpus in MB (default: ${DEFAULT-VALUE}).")
    int corpusMb;

    private static final String ANSWER = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"local-coder\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,"
            + "\"total_tokens\":13}}";

    @Override
    public void run() {
        System.out.printf(Locale.ROOT, "LLM gateway benchmark%n");
        routing();
        overhead();
        redaction();
    }

    private void routing() {
        LlmConfig config = config(URI.create("http://127.0.0.1:9/v1"), false);
        Catalogue catalogue = Catalogue.load(config);
        RoutingPolicy policy = RoutingPolicy.parse(policyOf(rules), catalogue);
        Random random = new Random(42);
        List<RouteRequest> requests = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            requests.add(new RouteRequest(
                    "tenant-" + random.nextInt(50),
                    "org/repo-" + random.nextInt(400),
                    random.nextInt(4) == 0 ? Set.of("confidential") : Set.of("internal"),
                    List.of("plan", "edit", "review", "summarize").get(random.nextInt(4)),
                    Set.of(List.of("member", "operator", "admin").get(random.nextInt(3))),
                    random.nextInt(10) == 0 ? Map.of("email", 1) : Map.of(),
                    random.nextBoolean(),
                    random.nextBoolean()));
        }
        int sink = 0;
        for (int i = 0; i < decisions; i++) {
            sink += policy.decide(requests.get(i & 1023), catalogue, false)
                    .rule()
                    .length();
        }
        long[] nanos = new long[decisions];
        for (int i = 0; i < decisions; i++) {
            long start = System.nanoTime();
            sink += policy.decide(requests.get(i & 1023), catalogue, false)
                    .rule()
                    .length();
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        System.out.printf(
                Locale.ROOT,
                "routing decision, %d rules: p50 %.1f µs, p99 %.1f µs (%d decisions; %d)%n",
                rules,
                nanos[decisions / 2] / 1000.0,
                nanos[(int) (decisions * 0.99)] / 1000.0,
                decisions,
                sink % 7);
    }

    private void overhead() {
        WebServer server = localServer();
        Path dir = temporaryDirectory();
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            URI base = URI.create("http://127.0.0.1:" + server.port() + "/v1");
            LlmConfig config = config(base, false);
            Catalogue catalogue = Catalogue.load(config);
            Policies policies = new Policies(store, catalogue);
            policies.save(
                    "{\"rules\": [{\"name\": \"local\", \"models\": [\"openai-compatible/local-coder\"],"
                            + " \"localOnly\": true}]}",
                    "bench");
            LlmGateway gateway = new LlmGateway(
                    config,
                    catalogue,
                    policies,
                    new Usage(store),
                    new Budgets(store),
                    provider -> Optional.empty(),
                    event -> {},
                    wait -> {});
            ChatModel direct = OpenAiChatModel.builder()
                    .httpClientBuilder(new JdkHttpClientBuilder()
                            .httpClientBuilder(java.net.http.HttpClient.newBuilder()
                                    .version(java.net.http.HttpClient.Version.HTTP_1_1)))
                    .baseUrl(base.toString())
                    .apiKey("none")
                    .modelName("local-coder")
                    .timeout(Duration.ofSeconds(30))
                    .maxRetries(0)
                    .build();
            String prompt = "Summarize the change in src/main/App.java: rename field count to total.";
            ChatRequest request = ChatRequest.builder("bench", "edit")
                    .repo("org/app", Set.of("internal"))
                    .user("bench", Set.of("operator"))
                    .prompt(prompt)
                    .build();
            dev.langchain4j.model.chat.request.ChatRequest lc = dev.langchain4j.model.chat.request.ChatRequest.builder()
                    .messages(UserMessage.from(prompt))
                    .maxOutputTokens(1024)
                    .build();
            for (int i = 0; i < Math.max(200, calls / 5); i++) {
                gateway.chat(request);
                direct.chat(lc);
            }
            long[] viaGateway = new long[calls];
            long[] viaModel = new long[calls];
            for (int i = 0; i < calls; i++) {
                long start = System.nanoTime();
                gateway.chat(request);
                viaGateway[i] = System.nanoTime() - start;
                start = System.nanoTime();
                direct.chat(lc);
                viaModel[i] = System.nanoTime() - start;
            }
            Arrays.sort(viaGateway);
            Arrays.sort(viaModel);
            double g50 = viaGateway[calls / 2] / 1000.0;
            double g99 = viaGateway[(int) (calls * 0.99)] / 1000.0;
            double d50 = viaModel[calls / 2] / 1000.0;
            double d99 = viaModel[(int) (calls * 0.99)] / 1000.0;
            System.out.printf(
                    Locale.ROOT,
                    "call to a local server, %d alternating calls each: direct LangChain4j p50 %.0f µs p99 %.0f µs;"
                            + " through the gateway p50 %.0f µs p99 %.0f µs; added p50 %.0f µs, p99 %.0f µs"
                            + " (ratio p99 %.2f)%n",
                    calls,
                    d50,
                    d99,
                    g50,
                    g99,
                    g50 - d50,
                    g99 - d99,
                    g99 / d99);
            gateway.close();
        } finally {
            server.stop();
            delete(dir);
        }
    }

    private void redaction() {
        SecretCorpus corpus = new SecretCorpus(7);
        StringBuilder text = new StringBuilder(corpusMb * 1_048_576 + 4096);
        Map<String, Integer> planted = new HashMap<>();
        while (text.length() < corpusMb * 1_048_576) {
            text.append(corpus.filler(4096));
            for (SecretCorpus.Sample sample : corpus.oneOfEach()) {
                text.append("\nconfig: ").append(sample.value()).append('\n').append(corpus.filler(512));
                planted.merge(sample.kind(), 1, Integer::sum);
            }
        }
        String input = text.toString();
        Redactor redactor = new Redactor();
        for (int i = 0; i < 3; i++) {
            redactor.redact(input.substring(0, Math.min(input.length(), 2_000_000)));
        }
        // Three passes: the median wall time, and the thread's CPU time (the figure that does not depend on what
        // else the machine runs).
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double[] wall = new double[3];
        double[] cpu = new double[3];
        Redactor.Redaction redaction = null;
        for (int pass = 0; pass < 3; pass++) {
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            redaction = redactor.redact(input);
            wall[pass] = (System.nanoTime() - start) / 1e9;
            cpu[pass] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        double seconds = wall[1];
        int expected = planted.values().stream().mapToInt(Integer::intValue).sum();
        int found = 0;
        for (Map.Entry<String, Integer> kind : planted.entrySet()) {
            found += Math.min(kind.getValue(), redaction.counts().getOrDefault(kind.getKey(), 0));
        }
        int extra = redaction.total() - found;
        double megabytes = input.length() / 1_048_576.0;
        System.out.printf(
                Locale.ROOT,
                "redaction: %.1f MB, median of 3 passes %.3f s wall = %.1f MB/s (%.1f MB/s of thread CPU time);"
                        + " detected %d of %d planted secrets (%.2f%%) across %d kinds; %d findings beyond the planted"
                        + " ones%n",
                megabytes,
                seconds,
                megabytes / seconds,
                megabytes / cpu[1],
                found,
                expected,
                100.0 * found / expected,
                planted.size(),
                extra);
    }

    /** A policy of {@code n} rules that mostly do not match, like a large organisation's, ending in a catch-all. */
    static String policyOf(int n) {
        StringBuilder json = new StringBuilder("{\"rules\": [");
        for (int i = 0; i < n - 1; i++) {
            String match = switch (i % 5) {
                case 0 -> "\"tenants\": [\"tenant-" + (1000 + i) + "\"]";
                case 1 -> "\"repos\": [\"org/repo-" + (1000 + i) + "\", \"other/*\"]";
                case 2 -> "\"classifications\": [\"secret-" + i + "\"], \"tasks\": [\"plan\"]";
                case 3 -> "\"roles\": [\"auditor\"], \"tenants\": [\"tenant-" + i + "\"]";
                default -> "\"sensitive\": [\"private-key\"], \"repos\": [\"org/x-" + i + "\"]";
            };
            json.append("{\"name\": \"rule-")
                    .append(i)
                    .append("\", \"match\": {")
                    .append(match)
                    .append("}, \"models\": [\"ollama/*\", \"openai/gpt-4.1\"], \"localOnly\": ")
                    .append(i % 2 == 0)
                    .append("},");
        }
        json.append(
                "{\"name\": \"default\", \"match\": {}, \"models\": [\"anthropic/*\", \"openai/*\", \"ollama/*\"]}]}");
        return json.toString();
    }

    private static LlmConfig config(URI localBase, boolean airGapped) {
        Map<String, LlmConfig.Provider> providers = new HashMap<>();
        for (String name : LlmConfig.PROVIDERS) {
            boolean local = name.equals("ollama") || name.equals("openai-compatible");
            URI base = name.equals("openai-compatible") ? localBase : URI.create("http://127.0.0.1:9/v1");
            providers.put(
                    name,
                    new LlmConfig.Provider(
                            name,
                            true,
                            base,
                            Optional.empty(),
                            Duration.ofSeconds(30),
                            Optional.empty(),
                            Optional.empty(),
                            local,
                            0,
                            0));
        }
        return new LlmConfig(airGapped, Set.of("127.0.0.1", "localhost"), Optional.empty(), providers);
    }

    /** A local OpenAI-compatible endpoint answering one fixed completion (Helidon, so it runs in any runtime image). */
    private static WebServer localServer() {
        byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
        return WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(routing -> routing.post("/v1/chat/completions", (req, res) -> {
                    req.content().consume();
                    res.header(HeaderNames.CONTENT_TYPE, "application/json").send(body);
                }))
                .build()
                .start();
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("magicode-bench-llm");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
