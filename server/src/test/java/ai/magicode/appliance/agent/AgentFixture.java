package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.ApiSession;
import ai.magicode.appliance.Appliance;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.github.AppKeys;
import ai.magicode.appliance.github.GhesSimulator;
import ai.magicode.appliance.llm.ProviderDouble;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The world the agent's ITs run in: the {@code acme/shop} repository (a greeting with a typo) in the GHES simulator
 * with the App installed, a scripted model behind the Ollama wire protocol, and a real appliance that has the
 * installation mapped to tenant {@code acme} and a signed-in admin session. {@link #file} and {@link #env} add to the
 * defaults before {@link #create}.
 */
final class AgentFixture implements AutoCloseable {
    static final String TENANT = "acme";
    static final String REPO = "acme/shop";
    private static final long APP_ID = 4242;
    private static final long INSTALLATION = 77;
    private static final String SECRET = "agent-test-webhook-secret";
    private static final String POLICY = """
            {"rules": [{"name": "default", "match": {}, "models": ["ollama/llama3.1:8b"]}]}""";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path gitDir;
    private final Map<String, String> files = new LinkedHashMap<>();
    private final Map<String, String> env = new HashMap<>();
    private GitFixture origin;
    private GhesSimulator ghes;
    private ProviderDouble model;
    private Appliance appliance;
    private URI base;
    private ApiSession api;
    private long repoId;

    /** A world kept in {@code dir} (the repository in {@code shop.git}, the appliance's data in {@code data}). */
    AgentFixture(Path dir) {
        this.dir = dir;
        this.gitDir = dir.resolve("shop.git");
    }

    /** Adds a file to the repository's first commit (before {@link #create}). */
    AgentFixture file(String path, String text) {
        files.put(path, text);
        return this;
    }

    /** Sets an environment variable for every start of the appliance from now on. */
    AgentFixture env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * Commits the repository, starts the simulator, the model and the appliance, delivers the App's installation and
     * maps it to the tenant.
     */
    AgentFixture create() throws Exception {
        origin = GitFixture.create(gitDir, true);
        origin.file(
                        "src/Greeting.java",
                        "class Greeting {\n    String text() {\n        return \"Hello, wrold\";\n    }\n}\n")
                .file("README.md", "# shop\n");
        files.forEach(origin::file);
        origin.commit("first");
        ghes = GhesSimulator.start()
                .withApp(APP_ID, AppKeys.shared().pair().getPublic())
                .withInstallation(INSTALLATION, TENANT)
                .withRepo(REPO, gitDir);
        repoId = ghes.repo(REPO).id();
        model = ProviderDouble.start(Protocol.OLLAMA);
        start();
        deliver(
                "installation",
                "{\"action\":\"created\",\"installation\":{\"id\":" + INSTALLATION
                        + ",\"account\":{\"login\":\"acme\",\"type\":\"Organization\"}},"
                        + "\"repositories\":[{\"id\":" + repoId + ",\"full_name\":\"acme/shop\","
                        + "\"name\":\"shop\",\"private\":true}],\"sender\":{\"login\":\"octocat\"}}");
        await(
                "the installation is mirrored",
                () -> appliance.webhooks().installations().repositories().stream()
                        .anyMatch(r -> r.id() == repoId));
        HttpResponse<String> mapped =
                call("PUT", "/api/v1/github/installations/" + INSTALLATION + "/tenant", Map.of("tenant", TENANT));
        assertEquals(200, mapped.statusCode(), mapped.body());
        return this;
    }

    /** Starts the appliance on the data dir (again, after {@link #stop}) and signs in as the tenant's admin. */
    void start() throws Exception {
        Path key = dir.resolve("app-key.pem");
        Files.write(key, AppKeys.shared().pkcs1());
        Path secret = dir.resolve("webhook-secret");
        Files.writeString(secret, SECRET);
        Map<String, String> all = new HashMap<>();
        all.put("MAGICODE_DATA_DIR", dataDir().toString());
        all.put("MAGICODE_PORT", "0");
        all.put("MAGICODE_GITHUB_API_URL", ghes.apiUrl().toString());
        all.put("MAGICODE_GITHUB_APP_ID", String.valueOf(APP_ID));
        all.put("MAGICODE_GITHUB_PRIVATE_KEY_FILE", key.toString());
        all.put("MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", secret.toString());
        all.put("MAGICODE_INDEX_EMBEDDINGS", "none");
        all.put("MAGICODE_LLM_OLLAMA_ENABLED", "true");
        all.put("MAGICODE_LLM_OLLAMA_BASE_URL", model.baseUrl());
        all.put("MAGICODE_LLM_OLLAMA_TIMEOUT", "PT5S");
        all.putAll(env);
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), all));
        appliance.llm().policies().save(POLICY, "test");
        base = URI.create("http://127.0.0.1:" + appliance.start().port());
        api = new ApiSession(base).signIn(dataDir(), TENANT);
    }

    /** Stops the appliance (a restart is {@link #start}). */
    void stop() {
        appliance.close();
        appliance = null;
    }

    /** Closes the model double, which ends a stalled call; a fresh one, which the appliance does not call, remains. */
    void closeModel() {
        model.close();
        model = ProviderDouble.start(Protocol.OLLAMA);
    }

    /** Closes everything and checks that every exchange with the simulator held to GitHub's API description. */
    @Override
    public void close() {
        origin.close();
        if (appliance != null) {
            appliance.close();
        }
        model.close();
        assertEquals(List.of(), ghes.violations(), "every request and answer matched GitHub's API description");
        ghes.close();
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path gitDir() {
        return gitDir;
    }

    GitFixture origin() {
        return origin;
    }

    GhesSimulator ghes() {
        return ghes;
    }

    ProviderDouble model() {
        return model;
    }

    Appliance appliance() {
        return appliance;
    }

    URI base() {
        return base;
    }

    long repoId() {
        return repoId;
    }

    /** Delivers a signed GitHub webhook and checks that it was accepted. */
    void deliver(String event, String body) throws Exception {
        api.deliverAccepted(SECRET, event, body);
    }

    /** Calls the API as the tenant's admin. */
    HttpResponse<String> call(String method, String path, Object body) throws Exception {
        return api.call(method, path, body);
    }

    /** The end of a webhook body: the repository, the installation and {@code sender}. */
    String repoAndSender(String sender) {
        return "\"repository\":{\"id\":" + repoId + ",\"full_name\":\"acme/shop\",\"name\":\"shop\"},"
                + "\"installation\":{\"id\":" + INSTALLATION + "},\"sender\":{\"login\":\"" + sender + "\"}}";
    }

    /** The repository's jobs, as the API lists them. */
    List<JsonNode> jobs() throws Exception {
        return jobsWhere(job -> true);
    }

    /** The jobs of one issue. */
    List<JsonNode> jobs(long issue) throws Exception {
        return jobsWhere(job -> job.path("issue").asLong() == issue);
    }

    /** The repository's first job once it is {@code done}. */
    JsonNode awaitJob(Predicate<JsonNode> done) throws Exception {
        return awaitFirst(job -> true, done);
    }

    /** The issue's first job once it is {@code done}. */
    JsonNode awaitJob(long issue, Predicate<JsonNode> done) throws Exception {
        return awaitFirst(job -> job.path("issue").asLong() == issue, done);
    }

    /** Waits for {@code condition}, failing with {@code what} after a minute. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "still waiting at the deadline: " + what);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    private List<JsonNode> jobsWhere(Predicate<JsonNode> which) throws Exception {
        HttpResponse<String> response = call("GET", "/api/v1/jobs?repo=" + repoId, null);
        assertEquals(200, response.statusCode(), response.body());
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(response.body()).path("jobs").forEach(job -> {
            if (which.test(job)) {
                found.add(job);
            }
        });
        return found;
    }

    private JsonNode awaitFirst(Predicate<JsonNode> which, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            List<JsonNode> found = jobsWhere(which);
            if (!found.isEmpty() && done.test(found.getFirst())) {
                return found.getFirst();
            }
            assertTrue(System.nanoTime() < deadline, "job still not there at the deadline: " + found);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
