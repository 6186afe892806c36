package ai.magicode.appliance.agent;

import static ai.magicode.appliance.agent.AgentFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.llm.ProviderDouble.Reply;
import ai.magicode.appliance.tickets.JiraSimulator;
import ai.magicode.appliance.tickets.LinearSimulator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jira and Linear tickets end to end: a real appliance (store, index, push guard, gateway, audit log) with the GHES
 * simulator, the Ollama double and a Jira or Linear simulator. A labelled ticket's signed webhook becomes a job, the
 * job a draft pull request, and the ticket gets a comment with its link and moves status (and moves again on merge);
 * a bad signature is refused with nothing stored; a ticket mapped to a repository the App cannot reach gets an
 * explanation and no job; and the assignee's e-mail is found nowhere the appliance writes afterwards.
 */
class TicketsIT {
    private static final String HOOK_SECRET = "tickets-test-hook-secret";
    private static final String JIRA_EMAIL = "magicode-bot@acme.example";
    private static final String JIRA_TOKEN = "jira-api-token-123";
    private static final String LINEAR_KEY = "lin_api_test_456";
    private static final String JIRA_PAT = "jira-dc-personal-access-token-789";
    private static final String ASSIGNEE_EMAIL = "dana.private@acme.example";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private AgentFixture world;
    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String thrown = record.getThrown() == null ? "" : " " + record.getThrown();
            logs.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()) + thrown);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void world() throws Exception {
        world = new AgentFixture(dir)
                .env("MAGICODE_TICKETS_POLL_INTERVAL", "PT0S")
                .create();
        world.ghes().withUserEmail(ASSIGNEE_EMAIL, "dana");
        LogManager.getLogManager().getLogger("").addHandler(capture);
        world.model()
                .script(
                        Reply.toolCall(
                                        "edit",
                                        "{\"path\":\"src/Greeting.java\",\"search\":\"Hello, wrold\",\"replace\":\"Hello, world\"}")
                                .tokens(400, 30),
                        Reply.toolCall("done", "{\"summary\":\"Fixed the typo in Greeting.text().\"}")
                                .tokens(450, 25));
    }

    @AfterEach
    void close() {
        LogManager.getLogManager().getLogger("").removeHandler(capture);
        world.close();
    }

    @Test
    void aLabelledJiraTicketBecomesAPullRequestTheTicketHearsOfItAndTheAssigneeEmailIsNowhere() throws Exception {
        try (JiraSimulator jira = JiraSimulator.start(JIRA_EMAIL, JIRA_TOKEN)) {
            jira.user("acc-dana", ASSIGNEE_EMAIL)
                    .issue(
                            "SHOP-1",
                            "Greeting has a typo",
                            "It says wrold instead of world.",
                            List.of("magicode"),
                            "acc-dana")
                    .issue("SHOP-9", "Forged", "A forged delivery names me.", List.of("magicode"), "")
                    .issue(
                            "OPS-3",
                            "Elsewhere",
                            "Mapped to a repository the App cannot reach.",
                            List.of("magicode"),
                            "");
            JsonNode connection = connect(Map.of(
                    "kind",
                    "jira-cloud",
                    "name",
                    "acme jira",
                    "baseUrl",
                    jira.url().toString(),
                    "email",
                    JIRA_EMAIL,
                    "token",
                    JIRA_TOKEN,
                    "webhookSecret",
                    HOOK_SECRET,
                    "repositories",
                    Map.of("SHOP", "acme/shop", "OPS", "acme/secret-ops"),
                    "openedStatus",
                    "In Review",
                    "mergedStatus",
                    "Done"));
            String id = connection.path("id").asText();
            assertFalse(connection.toString().contains(JIRA_TOKEN), "the token is write-only");
            assertTrue(connection.path("webhookUrl").asText().endsWith("/webhooks/jira/" + id), connection.toString());

            // A delivery signed with the wrong secret: 401, nothing stored, nothing asked of Jira.
            HttpResponse<String> forged = deliverJira(id, "SHOP-9", "wrong-secret");
            assertEquals(401, forged.statusCode(), forged.body());

            HttpResponse<String> accepted = deliverJira(id, "SHOP-1", HOOK_SECRET);
            String firstDelivery = lastDelivery;
            assertEquals(202, accepted.statusCode(), accepted.body());
            JsonNode job = world.awaitJob(j -> j.path("state").asText().equals("open"));
            assertEquals("jira", job.path("trigger").asText());
            assertEquals("SHOP-1", job.path("requester").asText());

            ObjectNode pr =
                    world.ghes().repo("acme/shop").pulls().values().iterator().next();
            String branch = pr.path("head").path("ref").asText();
            assertTrue(branch.startsWith("magicode/shop-1-greeting-has-a-typo"), branch);
            assertTrue(pr.path("title").asText().startsWith("Fix SHOP-1: Greeting has a typo"), pr.toString());
            String body = pr.path("body").asText();
            assertTrue(body.contains(jira.url() + "/browse/SHOP-1"), body);
            assertTrue(body.contains("for @dana"), "the assignee's e-mail was matched to a GitHub user: " + body);
            assertFalse(body.contains(ASSIGNEE_EMAIL), body);
            await("the ticket is told and moved", () -> jira.status("SHOP-1").equals("In Review"));
            assertEquals(
                    1, jira.comments("SHOP-1").size(), jira.comments("SHOP-1").toString());
            assertTrue(
                    jira.comments("SHOP-1")
                            .getFirst()
                            .contains(pr.path("html_url").asText()),
                    jira.comments("SHOP-1").toString());

            // The same delivery again is a duplicate; a second label event finds the job.
            assertEquals(
                    200, deliverJira(id, "SHOP-1", HOOK_SECRET, firstDelivery).statusCode());
            assertEquals(1, world.jobs().size());

            // Merged: the ticket moves on.
            world.deliver("pull_request", merged(pr));
            await(
                    "the ticket moves when the pull request is merged",
                    () -> jira.status("SHOP-1").equals("Done"));

            // A ticket whose project maps to a repository the App cannot reach: a comment, no job.
            assertEquals(202, deliverJira(id, "OPS-3", HOOK_SECRET).statusCode());
            await(
                    "the ticket is told why nothing started",
                    () -> !jira.comments("OPS-3").isEmpty());
            assertTrue(
                    jira.comments("OPS-3").getFirst().contains("cannot access the repository `acme/secret-ops`"),
                    jira.comments("OPS-3").toString());
            assertEquals(1, world.jobs().size(), "no job for the unreachable repository");

            assertTrue(
                    jira.requests().stream().noneMatch(r -> r.path().contains("SHOP-9")),
                    "the forged delivery reached nothing");
            assertTrue(
                    jira.requests().stream().allMatch(r -> !r.path().startsWith("/rest/api/2")), "Cloud uses REST v3");
            assertEquals(List.of(), jira.violations(), "every exchange holds to Jira Cloud's OpenAPI description");
            assertEmailNowhere("SHOP-9", "SHOP-1");
        }
    }

    @Test
    void aLabelledJiraDataCenterTicketBecomesAPullRequestThroughRestV2AndTheAssigneeEmailIsNowhere() throws Exception {
        try (JiraSimulator jira = JiraSimulator.startDataCenter(JIRA_PAT)) {
            // E-mails hidden in issues: the bot reads the assignee's from GET /rest/api/2/user?username=dana.
            jira.user("dana", ASSIGNEE_EMAIL)
                    .hideEmailsInIssues()
                    .issue(
                            "SHOP-2",
                            "Greeting has a typo",
                            "It says wrold instead of world.",
                            List.of("magicode"),
                            "dana");
            JsonNode connection = connect(Map.of(
                    "kind",
                    "jira-data-center",
                    "name",
                    "acme jira dc",
                    "baseUrl",
                    jira.url().toString(),
                    "token",
                    JIRA_PAT,
                    "webhookSecret",
                    HOOK_SECRET,
                    "repositories",
                    Map.of("SHOP", "acme/shop"),
                    "openedStatus",
                    "In Review",
                    "mergedStatus",
                    "Done"));
            String id = connection.path("id").asText();
            assertFalse(connection.toString().contains(JIRA_PAT), "the personal access token is write-only");

            assertEquals(401, deliverJira(id, "SHOP-2", "wrong-secret").statusCode(), "bad signature");
            assertTrue(jira.requests().isEmpty(), "a refused delivery reaches nothing");

            assertEquals(202, deliverJira(id, "SHOP-2", HOOK_SECRET).statusCode());
            JsonNode job = world.awaitJob(j -> j.path("state").asText().equals("open"));
            assertEquals("jira", job.path("trigger").asText());
            assertEquals("SHOP-2", job.path("requester").asText());
            ObjectNode pr =
                    world.ghes().repo("acme/shop").pulls().values().iterator().next();
            assertTrue(pr.path("head").path("ref").asText().startsWith("magicode/shop-2-"), pr.toString());
            String body = pr.path("body").asText();
            assertTrue(body.contains(jira.url() + "/browse/SHOP-2"), body);
            assertTrue(body.contains("for @dana"), "the assignee's e-mail was matched to a GitHub user: " + body);
            await("the ticket is told and moved", () -> jira.status("SHOP-2").equals("In Review"));
            assertEquals(
                    1, jira.comments("SHOP-2").size(), jira.comments("SHOP-2").toString());
            assertTrue(
                    jira.comments("SHOP-2")
                            .getFirst()
                            .contains(pr.path("html_url").asText()),
                    jira.comments("SHOP-2").toString());
            // Plain text (wiki markup), not the Atlassian Document Format: the simulator refuses an ADF body on v2.
            assertTrue(
                    jira.requests().stream()
                            .filter(r -> r.path().endsWith("/comment"))
                            .allMatch(r -> r.body().contains("\"body\":\"")),
                    jira.requests().toString());

            world.deliver("pull_request", merged(pr));
            await(
                    "the ticket moves when the pull request is merged",
                    () -> jira.status("SHOP-2").equals("Done"));
            assertTrue(
                    jira.requests().stream().allMatch(r -> r.path().startsWith("/rest/api/2/")),
                    "Data Center uses REST v2: " + jira.requests());
            assertTrue(
                    jira.requests().stream().anyMatch(r -> r.path().equals("/rest/api/2/user")),
                    "the assignee's e-mail was looked up by user name");
            assertEquals(List.of(), jira.violations(), "every request is an operation of Jira Data Center's REST API");
            assertEmailNowhere("SHOP-2-forged-never-used", "SHOP-2");
        }
    }

    @Test
    void aLabelledLinearTicketBecomesAPullRequestTheTicketHearsOfItAndTheAssigneeEmailIsNowhere() throws Exception {
        try (LinearSimulator linear = LinearSimulator.start(LINEAR_KEY)) {
            linear.issue(
                    "ENG-7",
                    "Greeting has a typo",
                    "It says wrold instead of world.",
                    List.of("MagiCode"),
                    ASSIGNEE_EMAIL);
            JsonNode connection = connect(Map.of(
                    "kind",
                    "linear",
                    "name",
                    "acme linear",
                    "baseUrl",
                    linear.url().toString(),
                    "token",
                    LINEAR_KEY,
                    "webhookSecret",
                    HOOK_SECRET,
                    "repositories",
                    Map.of("ENG", "acme/shop"),
                    "openedStatus",
                    "In Review",
                    "mergedStatus",
                    "Done"));
            String id = connection.path("id").asText();

            long now = System.currentTimeMillis();
            assertEquals(401, deliverLinear(id, "ENG-7", "wrong-secret", now).statusCode(), "bad signature");
            assertEquals(
                    401, deliverLinear(id, "ENG-7", HOOK_SECRET, now - 600_000).statusCode(), "stale timestamp");
            assertTrue(linear.documents().isEmpty(), "refused deliveries reach nothing");

            assertEquals(202, deliverLinear(id, "ENG-7", HOOK_SECRET, now).statusCode());
            JsonNode job = world.awaitJob(j -> j.path("state").asText().equals("open"));
            assertEquals("linear", job.path("trigger").asText());
            ObjectNode pr =
                    world.ghes().repo("acme/shop").pulls().values().iterator().next();
            assertTrue(pr.path("head").path("ref").asText().startsWith("magicode/eng-7-"), pr.toString());
            assertTrue(
                    pr.path("body").asText().contains("for @dana"),
                    pr.path("body").asText());
            await("the ticket is told and moved", () -> linear.state("ENG-7").equals("In Review"));
            assertTrue(
                    linear.comments("ENG-7")
                            .getFirst()
                            .contains(pr.path("html_url").asText()),
                    linear.comments("ENG-7").toString());
            world.deliver("pull_request", merged(pr));
            await(
                    "the ticket moves when the pull request is merged",
                    () -> linear.state("ENG-7").equals("Done"));
            assertEquals(List.of(), linear.violations(), "every exchange holds to Linear's schema, answers included");
            assertEmailNowhere("ENG-7-forged-never-used", "ENG-7");
        }
    }

    /**
     * Stops the appliance, then scans every file of the data dir (store, index, audit log), the audit log through its
     * API, and the log records captured during the run for the assignee's e-mail (and {@code forbidden}); {@code kept}
     * must be found, so the scan is known to see stored strings.
     */
    private void assertEmailNowhere(String forbidden, String kept) throws Exception {
        HttpResponse<String> audit = world.call("GET", "/api/v1/audit?limit=1000", null);
        assertEquals(200, audit.statusCode());
        assertTrue(audit.body().contains("tickets.comment"), "the ticket writes are audited");
        assertFalse(audit.body().contains(ASSIGNEE_EMAIL), "the e-mail is in the audit log");
        world.stop();
        List<String> hits = new ArrayList<>();
        boolean keptFound = false;
        List<byte[]> forms = new ArrayList<>();
        for (String text : List.of(ASSIGNEE_EMAIL, forbidden)) {
            forms.add(text.getBytes(StandardCharsets.UTF_8));
            forms.add(text.getBytes(StandardCharsets.UTF_16LE));
            forms.add(text.getBytes(StandardCharsets.UTF_16BE));
        }
        try (Stream<Path> files = Files.walk(world.dataDir())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(file);
                keptFound |= indexOf(content, kept.getBytes(StandardCharsets.UTF_8)) >= 0
                        || indexOf(content, kept.getBytes(StandardCharsets.UTF_16LE)) >= 0;
                for (byte[] form : forms) {
                    if (indexOf(content, form) >= 0) {
                        hits.add(file + " holds " + new String(form, StandardCharsets.UTF_8).replace("\0", ""));
                    }
                }
            }
        }
        // The scan can see what the store holds: the ticket's key is kept (in the ticket link and the job).
        assertTrue(keptFound, "the scan found the stored ticket key " + kept);
        assertTrue(logs.size() > 0, "log records were captured");
        logs.stream().filter(l -> l.contains(ASSIGNEE_EMAIL)).forEach(l -> hits.add("log: " + l));
        assertEquals(List.of(), hits, "the assignee's e-mail (or a refused delivery) was stored or logged");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private JsonNode connect(Map<String, Object> body) throws Exception {
        HttpResponse<String> created = world.call("POST", "/api/v1/tickets/connections", body);
        assertEquals(201, created.statusCode(), created.body());
        return JSON.readTree(created.body());
    }

    private String lastDelivery;

    private HttpResponse<String> deliverJira(String connection, String key, String secret) throws Exception {
        return deliverJira(connection, key, secret, UUID.randomUUID().toString());
    }

    private HttpResponse<String> deliverJira(String connection, String key, String secret, String delivery)
            throws Exception {
        lastDelivery = delivery;
        // As Jira sends it: the event's user and the issue's assignee with their e-mails (which must not be kept).
        String body = "{\"timestamp\":" + System.currentTimeMillis() + ",\"webhookEvent\":\"jira:issue_updated\","
                + "\"issue_event_type_name\":\"issue_updated\","
                + "\"user\":{\"accountId\":\"acc-dana\",\"emailAddress\":\"" + ASSIGNEE_EMAIL + "\"},"
                + "\"issue\":{\"id\":\"10000\",\"key\":\"" + key + "\",\"fields\":{\"labels\":[\"magicode\"],"
                + "\"assignee\":{\"accountId\":\"acc-dana\",\"emailAddress\":\"" + ASSIGNEE_EMAIL + "\"}}},"
                + "\"changelog\":{\"items\":[{\"field\":\"labels\",\"fromString\":\"\",\"toString\":\"magicode\"}]}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HTTP.send(
                HttpRequest.newBuilder(world.base().resolve("/webhooks/jira/" + connection))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("X-Atlassian-Webhook-Identifier", delivery)
                        .header("X-Hub-Signature", "sha256=" + hmac(secret, bytes))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> deliverLinear(String connection, String key, String secret, long timestamp)
            throws Exception {
        String body = "{\"action\":\"update\",\"type\":\"Issue\",\"data\":{\"id\":\"x\",\"identifier\":\"" + key
                + "\",\"assignee\":{\"email\":\"" + ASSIGNEE_EMAIL + "\"}},\"webhookTimestamp\":" + timestamp + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HTTP.send(
                HttpRequest.newBuilder(world.base().resolve("/webhooks/linear/" + connection))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("Linear-Delivery", UUID.randomUUID().toString())
                        .header("Linear-Signature", hmac(secret, bytes))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String hmac(String secret, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body));
    }

    private String merged(ObjectNode pr) {
        return "{\"action\":\"closed\",\"number\":" + pr.path("number").asLong() + ",\"pull_request\":{\"number\":"
                + pr.path("number").asLong() + ",\"title\":\"t\",\"body\":\"\",\"user\":{\"login\":\"magicode[bot]\"},"
                + "\"head\":{\"ref\":\"" + pr.path("head").path("ref").asText() + "\",\"sha\":\"0\"},"
                + "\"base\":{\"ref\":\"main\",\"sha\":\"0\"},\"draft\":false,\"merged\":true,\"labels\":[],"
                + "\"state\":\"closed\"}," + world.repoAndSender("octocat");
    }
}
