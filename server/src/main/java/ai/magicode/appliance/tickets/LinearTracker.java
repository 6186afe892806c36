package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Linear through its GraphQL API ({@code POST /graphql}, the API key as the authorization header). */
final class LinearTracker implements Tracker {
    /** Every document the appliance sends; a test checks each against Linear's published schema. */
    static final String ISSUE = """
            query Issue($id: String!) {
              issue(id: $id) {
                id identifier title description url
                team { key }
                labels { nodes { name } }
                assignee { id email }
              }
            }""";

    static final String COMMENT = """
            mutation Comment($input: CommentCreateInput!) {
              commentCreate(input: $input) { success }
            }""";

    static final String STATES = """
            query States($team: String!) {
              workflowStates(filter: { team: { key: { eq: $team } } }) { nodes { id name } }
            }""";

    static final String MOVE = """
            mutation Move($id: String!, $input: IssueUpdateInput!) {
              issueUpdate(id: $id, input: $input) { success }
            }""";

    static final String LABELLED = """
            query Labelled($label: String!, $since: DateTimeOrDuration!) {
              issues(first: 50, filter: { labels: { name: { eqIgnoreCase: $label } }, updatedAt: { gte: $since } }) {
                nodes { identifier }
              }
            }""";

    static final List<String> DOCUMENTS = List.of(ISSUE, COMMENT, STATES, MOVE, LABELLED);

    private final TrackerHttp http;

    LinearTracker(Connection connection, byte[] apiKey, Duration timeout) {
        this.http = new TrackerHttp(connection.baseUrl(), new String(apiKey, StandardCharsets.UTF_8), timeout);
    }

    @Override
    public Ticket ticket(String key) {
        JsonNode issue = call(ISSUE, Map.of("id", key)).path("issue");
        if (issue.isMissingNode() || issue.isNull()) {
            throw new TicketsException("Linear has no issue " + key);
        }
        List<String> labels = new ArrayList<>();
        issue.path("labels")
                .path("nodes")
                .forEach(l -> labels.add(l.path("name").asText()));
        JsonNode assignee = issue.path("assignee");
        return new Ticket(
                issue.path("identifier").asText(key),
                issue.path("team").path("key").asText(""),
                issue.path("title").asText(""),
                issue.path("description").asText(""),
                labels,
                assignee.path("id").asText(""),
                Optional.of(assignee.path("email").asText("")).filter(e -> !e.isBlank()),
                issue.path("url").asText(""));
    }

    @Override
    public void comment(String key, String text) {
        String id = internalId(key);
        call(COMMENT, Map.of("input", Map.of("issueId", id, "body", text)));
    }

    @Override
    public boolean move(String key, String status) {
        JsonNode issue = call(ISSUE, Map.of("id", key)).path("issue");
        String team = issue.path("team").path("key").asText("");
        for (JsonNode state :
                call(STATES, Map.of("team", team)).path("workflowStates").path("nodes")) {
            if (state.path("name").asText("").equalsIgnoreCase(status)) {
                call(
                        MOVE,
                        Map.of(
                                "id",
                                issue.path("id").asText(),
                                "input",
                                Map.of("stateId", state.path("id").asText())));
                return true;
            }
        }
        return false;
    }

    @Override
    public List<String> labelled(String label, Instant since) {
        List<String> keys = new ArrayList<>();
        call(LABELLED, Map.of("label", label, "since", since.toString()))
                .path("issues")
                .path("nodes")
                .forEach(n -> keys.add(n.path("identifier").asText()));
        return keys;
    }

    private String internalId(String key) {
        return call(ISSUE, Map.of("id", key)).path("issue").path("id").asText(key);
    }

    /** The {@code data} of the answer; GraphQL errors fail the call (their messages are Linear's, not the data). */
    private JsonNode call(String document, Map<String, Object> variables) {
        JsonNode answer = http.post("/graphql", Map.of("query", document, "variables", variables));
        if (answer.path("errors").isArray() && !answer.path("errors").isEmpty()) {
            throw new TicketsException("Linear refused the request: "
                    + answer.path("errors").get(0).path("message").asText("error"));
        }
        return answer.path("data");
    }
}
