package ai.magicode.appliance.agent;

import ai.magicode.appliance.audit.AuditLog;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitHttpRemote;
import ai.magicode.appliance.git.HttpSettings;
import ai.magicode.appliance.git.Workspaces;
import ai.magicode.appliance.github.GitHub;
import ai.magicode.appliance.github.GitHubApp;
import ai.magicode.appliance.github.PushGuard;
import ai.magicode.appliance.index.RepoIndexes;
import ai.magicode.appliance.llm.Budgets;
import ai.magicode.appliance.llm.Catalogue;
import ai.magicode.appliance.llm.LlmGateway;
import ai.magicode.appliance.llm.Policies;
import ai.magicode.appliance.llm.ProviderKeys;
import ai.magicode.appliance.llm.Usage;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The figures of {@code magicode bench agent}: the appliance's own time per job (trigger to draft pull request, minus
 * the model's time) on a generated repository with a warm index, one job at a time, then many at once. Everything is
 * real — store, audit, vault, workspaces and JGit fetch/push over HTTP, the Lucene index, the LLM gateway with
 * LangChain4j, validation, the push guard — except the two remote parties, which are in-process doubles on one
 * loopback HTTP server: a GitHub (the REST calls a job makes, Git smart HTTP over a bare repository) and an Ollama
 * model that answers instantly (an edit, then done); the model's handling time is measured and subtracted.
 */
public final class AgentBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "bench";
    private static final long INSTALLATION = 1;
    private static final long REPO_ID = 1;
    private static final String POLICY = """
            {"rules": [{"name": "bench", "match": {}, "models": ["ollama/llama3.1:8b"]}]}""";
    private static final Pattern ISSUE = Pattern.compile("Issue #(\\d+)");

    private AgentBenchmark() {}

    /**
     * The measured figures, in milliseconds unless named otherwise.
     *
     * @param files files in the generated repository
     * @param sequentialJobs jobs run one at a time
     * @param sequentialMedian their median overhead
     * @param sequentialMax their largest overhead
     * @param steps median time per step of the sequential jobs (the edit step with the model's time subtracted)
     * @param modelPerJob the model double's median handling time per job (subtracted)
     * @param cpuPerJob the process's CPU time per job of the sequential jobs (all threads; doubles included), which a
     *     shared machine's load does not inflate the way it does wall time
     * @param concurrentJobs jobs started at once
     * @param concurrentErrors of those, the ones that did not end with an open pull request
     * @param concurrentP50 their median overhead (queueing and CPU contention included)
     * @param concurrentP99 their p99 overhead
     * @param concurrentWallSeconds from the first trigger to the last pull request
     * @param loadAverage the system's one-minute load average at the end
     */
    public record Result(
            int files,
            int sequentialJobs,
            double sequentialMedian,
            double sequentialMax,
            Map<String, Double> steps,
            double modelPerJob,
            double cpuPerJob,
            int concurrentJobs,
            int concurrentErrors,
            double concurrentP50,
            double concurrentP99,
            double concurrentWallSeconds,
            double loadAverage) {}

    /** Runs the measurement in a scratch directory under {@code parent} (deleted after), printing progress. */
    public static Result run(Path parent, int files, int sequential, int concurrent, PrintStream out) {
        Path dir;
        try {
            dir = Files.createTempDirectory(Files.createDirectories(parent.toAbsolutePath()), "magicode-bench-agent");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory under " + parent, e);
        }
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        HttpServer server = null;
        try {
            GitHttpRemote git = new GitHttpRemote(dir.resolve("remotes"));
            String base = git.create("acme/shop", "main", repository(files));
            GitHubDouble gitHub = new GitHubDouble(base, files);
            ModelDouble model = new ModelDouble();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
            server.setExecutor(handlers);
            server.createContext("/api/v3/", gitHub::handle);
            server.createContext("/api/chat", model::handle);
            server.createContext("/", git);
            server.start();
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Path key = dir.resolve("app-key.pem");
            Files.writeString(key, privateKeyPem());
            Map<String, String> env = new HashMap<>();
            env.put("MAGICODE_DATA_DIR", dir.resolve("data").toString());
            env.put("MAGICODE_GITHUB_API_URL", url + "/api/v3");
            env.put("MAGICODE_GITHUB_APP_ID", "1");
            env.put("MAGICODE_GITHUB_PRIVATE_KEY_FILE", key.toString());
            env.put("MAGICODE_INDEX_EMBEDDINGS", "none");
            env.put("MAGICODE_LLM_OLLAMA_ENABLED", "true");
            env.put("MAGICODE_LLM_OLLAMA_BASE_URL", url);
            env.put("MAGICODE_AGENT_MAX_CONCURRENT_PER_TENANT", String.valueOf(Math.max(1, concurrent)));
            env.put("MAGICODE_AGENT_MAX_CONCURRENT_PER_REPO", String.valueOf(Math.max(1, concurrent)));
            ApplianceConfig config = ApplianceConfig.load(Optional.empty(), env);
            return measure(config, gitHub, model, files, sequential, concurrent, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (server != null) {
                server.stop(0);
            }
            handlers.shutdownNow();
            deleteTree(dir);
        }
    }

    private static Result measure(
            ApplianceConfig config,
            GitHubDouble gitHubDouble,
            ModelDouble model,
            int files,
            int sequential,
            int concurrent,
            PrintStream out) {
        Path data = config.dataDir();
        try (ApplianceStore store = ApplianceStore.open(data, List.of());
                AuditLog audit = AuditLog.open(data.resolve("audit"), config.audit(), AgentBenchmark::seed)) {
            Vault vault = Vault.open(store, MasterKeySource.file(data), audit::append);
            HttpSettings http = HttpSettings.of(
                    config.github().caBundleFile(),
                    config.github().proxy(),
                    config.github().noProxy());
            byte[] termKey = seed();
            RepoIndexes indexes = RepoIndexes.perRepository(
                    data.resolve("index"),
                    config.index().privacy(),
                    config.index().maxFileBytes(),
                    (tenant, repo) -> null,
                    tenant -> termKey,
                    audit::append);
            GitHubApp app = new GitHubApp(config.github(), vault);
            app.importConfiguredKey();
            Catalogue catalogue = Catalogue.load(config.llm());
            Policies policies = new Policies(store, catalogue);
            policies.save(POLICY, "bench");
            LlmGateway gateway = new LlmGateway(
                    config.llm(),
                    catalogue,
                    policies,
                    new Usage(store),
                    new Budgets(store),
                    ProviderKeys.from(vault),
                    audit::append,
                    AgentBenchmark::pause);
            try (JobRunner runner = new JobRunner(
                    config.agent(),
                    config.github().branchPrefix(),
                    new Jobs(store, Clock.systemUTC()),
                    new GitHub(config.github(), app, audit::append),
                    Workspaces.open(data.resolve("workspaces"), http),
                    indexes,
                    gateway,
                    new PushGuard(config.github().branchPrefix(), store, audit::append, http),
                    Optional.empty(),
                    audit::append,
                    Clock.systemUTC())) {
                long issue = 0;
                out.printf("repository: %d generated files; warming the index with one job%n", files);
                Instant warm = Instant.now();
                List<Job> warmUp = runJobs(runner, List.of(++issue));
                require(warmUp, "the warm-up job");
                out.printf(
                        "warm-up job (fetch and index the repository): %d ms%n",
                        Duration.between(warm, Instant.now()).toMillis());

                List<Double> overheads = new ArrayList<>();
                Map<String, List<Double>> steps = new LinkedHashMap<>();
                List<Double> modelTimes = new ArrayList<>();
                long cpuBefore = cpuNanos();
                for (int i = 0; i < sequential; i++) {
                    Job job = runJobs(runner, List.of(++issue)).getFirst();
                    require(List.of(job), "job " + job.issue());
                    double modelMillis = model.millis(job.issue());
                    overheads.add(overhead(job, modelMillis));
                    modelTimes.add(modelMillis);
                    double inSteps = 0;
                    for (Job.Step step : job.steps()) {
                        double millis = Duration.between(step.startedAt(), step.endedAt())
                                        .toNanos()
                                / 1e6;
                        millis = step.name().equals("edit") ? millis - modelMillis : millis;
                        inSteps += millis;
                        steps.computeIfAbsent(step.name(), k -> new ArrayList<>())
                                .add(millis);
                    }
                    // Dispatch, the job's store writes between steps, reading the issue and the default branch.
                    steps.computeIfAbsent("between steps", k -> new ArrayList<>())
                            .add(overheads.getLast() - inSteps);
                }
                double cpuPerJob = (cpuNanos() - cpuBefore) / 1e6 / Math.max(1, sequential);
                Map<String, Double> stepMedians = new LinkedHashMap<>();
                steps.forEach((name, values) -> stepMedians.put(name, percentile(values, 50)));
                out.printf(
                        "%d jobs one at a time: median overhead %.0f ms, max %.0f ms, process CPU %.0f ms per job;"
                                + " per step (median ms): %s%n",
                        sequential,
                        percentile(overheads, 50),
                        percentile(overheads, 100),
                        cpuPerJob,
                        format(stepMedians));

                List<Long> batch = new ArrayList<>();
                for (int i = 0; i < concurrent; i++) {
                    batch.add(++issue);
                }
                Instant start = Instant.now();
                List<Job> done = runJobs(runner, batch);
                double wall = Duration.between(start, Instant.now()).toMillis() / 1000.0;
                List<Double> concurrentOverheads = new ArrayList<>();
                int errors = 0;
                for (Job job : done) {
                    if (job.state() != Job.State.OPEN) {
                        errors++;
                        out.printf(
                                "job for #%d ended %s: %s%n",
                                job.issue(), job.state().label(), job.error());
                    } else {
                        concurrentOverheads.add(overhead(job, model.millis(job.issue())));
                    }
                }
                double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                Result result = new Result(
                        files,
                        sequential,
                        percentile(overheads, 50),
                        percentile(overheads, 100),
                        stepMedians,
                        percentile(modelTimes, 50),
                        cpuPerJob,
                        concurrent,
                        errors,
                        percentile(concurrentOverheads, 50),
                        percentile(concurrentOverheads, 99),
                        wall,
                        load);
                out.printf(
                        "%d jobs at once on %d cores: %d errors, overhead p50 %.0f ms, p99 %.0f ms, all done in %.1f s;"
                                + " model double %.1f ms per job (subtracted); GitHub double calls %d; load average"
                                + " %.2f%n",
                        concurrent,
                        Runtime.getRuntime().availableProcessors(),
                        errors,
                        result.concurrentP50(),
                        result.concurrentP99(),
                        wall,
                        result.modelPerJob(),
                        gitHubDouble.calls.get(),
                        load);
                return result;
            }
        }
    }

    /** Triggers one job per issue (as the API does) and waits until each has ended or opened its pull request. */
    private static List<Job> runJobs(JobRunner runner, List<Long> issues) {
        List<String> ids = new ArrayList<>();
        for (long issue : issues) {
            Jobs.Triggered triggered = runner.jobs()
                    .trigger(new Jobs.Request(
                            TENANT,
                            REPO_ID,
                            "acme/shop",
                            INSTALLATION,
                            issue,
                            "Label " + issue + " has a typo",
                            "api",
                            "octocat",
                            0));
            ids.add(triggered.job().id());
        }
        ids.forEach(runner::submit);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            List<Job> jobs =
                    ids.stream().map(id -> runner.jobs().find(id).orElseThrow()).toList();
            if (jobs.stream()
                    .allMatch(j -> j.state() == Job.State.OPEN || j.state().terminal())) {
                return jobs;
            }
            if (System.nanoTime() > deadline) {
                throw new AgentException("The benchmark's jobs did not finish within 10 minutes");
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    private static void require(List<Job> jobs, String what) {
        for (Job job : jobs) {
            if (job.state() != Job.State.OPEN) {
                throw new AgentException(what + " ended " + job.state().label() + ": " + job.error());
            }
        }
    }

    /** From the job's creation to the end of its pull request step, minus the model's time. */
    private static double overhead(Job job, double modelMillis) {
        Instant end = job.steps().stream()
                .filter(s -> s.name().equals("pull-request"))
                .map(Job.Step::endedAt)
                .findFirst()
                .orElse(job.updatedAt());
        return Duration.between(job.createdAt(), end).toNanos() / 1e6 - modelMillis;
    }

    private static long cpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : 0;
    }

    private static double percentile(List<Double> values, int percent) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String format(Map<String, Double> steps) {
        StringBuilder text = new StringBuilder();
        steps.forEach((name, millis) -> text.append(text.isEmpty() ? "" : ", ")
                .append(name)
                .append(' ')
                .append(String.format(java.util.Locale.ROOT, "%.0f", millis)));
        return text.toString();
    }

    /**
     * A Java project of {@code files} files in 50 packages; file {@code n} has a greeting with a typo that issue
     * {@code n} asks to fix.
     */
    static Map<String, String> repository(int files) {
        Map<String, String> tree = new LinkedHashMap<>();
        tree.put("README.md", "# shop\n\nA generated repository for the agent benchmark.\n");
        for (int n = 1; n < files; n++) {
            String pkg = "pkg" + (n % 50);
            StringBuilder source = new StringBuilder("package acme." + pkg + ";\n\n/** Part " + n + ". */\n");
            source.append("class Label").append(n).append(" {\n");
            source.append("    String text() {\n        return \"Label ")
                    .append(n)
                    .append(" wrold\";\n    }\n");
            for (int m = 0; m < 20; m++) {
                source.append("\n    int value")
                        .append(m)
                        .append("(int x) {\n        return x * ")
                        .append(m + n)
                        .append(" + ")
                        .append(m)
                        .append(";\n    }\n");
            }
            source.append("}\n");
            tree.put(path(n), source.toString());
        }
        return tree;
    }

    private static String path(long n) {
        return "src/main/java/acme/pkg" + (n % 50) + "/Label" + n + ".java";
    }

    /** GitHub's REST side for the calls a job makes, answering from memory. */
    private static final class GitHubDouble {
        private final String base;
        private final AtomicLong numbers;
        private final AtomicLong calls = new AtomicLong();

        GitHubDouble(String base, int files) {
            this.base = base;
            this.numbers = new AtomicLong(files + 1000L);
        }

        void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                calls.incrementAndGet();
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getPath().substring("/api/v3".length());
                JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
                Matcher m;
                if (method.equals("POST") && path.matches("/app/installations/\\d+/access_tokens")) {
                    ObjectNode token = JSON.createObjectNode()
                            .put("token", "ghs_bench" + Long.toHexString(new SecureRandom().nextLong()))
                            .put(
                                    "expires_at",
                                    Instant.now().plus(Duration.ofHours(1)).toString())
                            .put("repository_selection", "selected");
                    token.putObject("permissions").put("contents", "write");
                    send(exchange, 201, token);
                } else if (path.equals("/installation/repositories")) {
                    ObjectNode list = JSON.createObjectNode().put("total_count", 1);
                    ObjectNode repo = list.putArray("repositories")
                            .addObject()
                            .put("id", REPO_ID)
                            .put("name", "shop")
                            .put("full_name", "acme/shop")
                            .put("private", true)
                            .put("default_branch", "main");
                    repo.putObject("owner").put("login", "acme");
                    send(exchange, 200, list);
                } else if ((m = Pattern.compile("/repos/acme/shop/issues/(\\d+)")
                                .matcher(path))
                        .matches()) {
                    long n = Long.parseLong(m.group(1));
                    ObjectNode issue = JSON.createObjectNode()
                            .put("number", n)
                            .put("title", "Label " + n + " has a typo")
                            .put("body", "Label " + n + " says wrold instead of world, in " + path(n) + ".")
                            .put("state", "open");
                    issue.putObject("user").put("login", "octocat");
                    issue.putArray("labels");
                    send(exchange, 200, issue);
                } else if (path.matches("/repos/acme/shop/issues/\\d+/comments") && method.equals("GET")) {
                    send(exchange, 200, JSON.createArrayNode());
                } else if (path.matches("/repos/acme/shop/issues/\\d+/comments")) {
                    ObjectNode comment = JSON.createObjectNode()
                            .put("id", numbers.incrementAndGet())
                            .put("body", body.path("body").asText());
                    comment.putObject("user").put("login", "magicode[bot]");
                    send(exchange, 201, comment);
                } else if (path.equals("/repos/acme/shop/branches/main")) {
                    ObjectNode branch =
                            JSON.createObjectNode().put("name", "main").put("protected", false);
                    branch.putObject("commit").put("sha", base);
                    send(exchange, 200, branch);
                } else if (path.startsWith("/repos/acme/shop/rules/branches/")
                        || (path.equals("/repos/acme/shop/pulls") && method.equals("GET"))) {
                    send(exchange, 200, JSON.createArrayNode());
                } else if (path.equals("/repos/acme/shop/pulls")) {
                    long number = numbers.incrementAndGet();
                    ObjectNode pr = JSON.createObjectNode()
                            .put("number", number)
                            .put("node_id", "PR_" + number)
                            .put("state", "open")
                            .put("draft", body.path("draft").asBoolean())
                            .put("title", body.path("title").asText())
                            .put("html_url", "http://127.0.0.1/acme/shop/pull/" + number);
                    pr.putObject("head").put("ref", body.path("head").asText());
                    pr.putObject("base").put("ref", body.path("base").asText());
                    send(exchange, 201, pr);
                } else {
                    // Branches the job creates do not exist before its push.
                    send(exchange, 404, JSON.createObjectNode().put("message", "Not Found"));
                }
            }
        }
    }

    /** An Ollama {@code /api/chat} that answers at once: the edit the issue asks for, then done. */
    private static final class ModelDouble {
        private final Map<Long, AtomicLong> nanosByIssue = new ConcurrentHashMap<>();

        void handle(HttpExchange exchange) throws IOException {
            long start = System.nanoTime();
            long issue = 0;
            try (exchange) {
                JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
                boolean edited = false;
                for (JsonNode message : request.path("messages")) {
                    Matcher m = ISSUE.matcher(message.path("content").asText());
                    if (issue == 0 && message.path("role").asText().equals("user") && m.find()) {
                        issue = Long.parseLong(m.group(1));
                    }
                    edited |= message.path("role").asText().equals("tool");
                }
                ObjectNode answer = JSON.createObjectNode()
                        .put("model", request.path("model").asText())
                        .put("created_at", Instant.now().toString());
                ObjectNode message =
                        answer.putObject("message").put("role", "assistant").put("content", "");
                ObjectNode function = message.putArray("tool_calls").addObject().putObject("function");
                if (edited) {
                    function.put("name", "done")
                            .putObject("arguments")
                            .put("summary", "Fixed the typo in Label " + issue + ".");
                } else {
                    function.put("name", "edit")
                            .putObject("arguments")
                            .put("path", path(issue))
                            .put("search", "Label " + issue + " wrold")
                            .put("replace", "Label " + issue + " world");
                }
                answer.put("done", true)
                        .put("done_reason", "stop")
                        .put("prompt_eval_count", 500)
                        .put("eval_count", 30);
                send(exchange, 200, answer);
            } finally {
                nanosByIssue.computeIfAbsent(issue, k -> new AtomicLong()).addAndGet(System.nanoTime() - start);
            }
        }

        double millis(long issue) {
            return nanosByIssue.getOrDefault(issue, new AtomicLong()).get() / 1e6;
        }
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String privateKeyPem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(der)
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] seed() {
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    private static void pause(Duration wait) {
        LockSupport.parkNanos(wait.toNanos());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A scratch directory left behind is harmless.
        }
    }
}
