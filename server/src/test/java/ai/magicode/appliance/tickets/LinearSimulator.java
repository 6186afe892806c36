package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linear workspace for tests: {@code POST /graphql} answering the operations the appliance sends (named {@code Issue},
 * {@code Comment}, {@code States}, {@code Move}, {@code Labelled}), with issues, labels, assignees, a team's workflow
 * states and comments. Requests need the API key it was started with; every document is recorded, and every exchange
 * (document, variables, the answer's data) is checked against Linear's schema: {@link #violations()} must stay empty.
 */
public final class LinearSimulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPERATION = Pattern.compile("^\\s*(query|mutation)\\s+(\\w+)");
    private static final List<String> STATES = List.of("Todo", "In Progress", "In Review", "Done");

    /** One issue's state in the simulator. */
    private record Issue(
            String id,
            String identifier,
            String title,
            String description,
            String team,
            List<String> labels,
            Map<String, String> assignee) {}

    private final HttpServer server;
    private final String apiKey;
    private final Map<String, Issue> issues = new ConcurrentHashMap<>();
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private final Map<String, List<String>> comments = new ConcurrentHashMap<>();
    private final List<String> documents = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final LinearContract contract = LinearContract.load();

    private LinearSimulator(String apiKey) throws IOException {
        this.apiKey = apiKey;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/graphql", this::handle);
        server.start();
    }

    /** Starts a workspace that accepts {@code apiKey}. */
    public static LinearSimulator start(String apiKey) throws IOException {
        return new LinearSimulator(apiKey);
    }

    /** The API's base URL (the appliance posts to {@code /graphql} below it). */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Adds an issue in state {@code Todo}, assigned to a user with {@code email} (empty: unassigned). */
    public LinearSimulator issue(
            String identifier, String title, String description, List<String> labels, String email) {
        String team = identifier.substring(0, identifier.indexOf('-'));
        Map<String, String> assignee =
                email.isEmpty() ? Map.of() : Map.of("id", "user-" + email.hashCode(), "email", email);
        issues.put(
                identifier,
                new Issue(
                        UUID.randomUUID().toString(),
                        identifier,
                        title,
                        description,
                        team,
                        List.copyOf(labels),
                        assignee));
        states.put(identifier, "Todo");
        return this;
    }

    /** The issue's comments, oldest first. */
    public List<String> comments(String identifier) {
        return List.copyOf(comments.getOrDefault(identifier, List.of()));
    }

    /** The issue's workflow state. */
    public String state(String identifier) {
        return states.get(identifier);
    }

    /** Every GraphQL document received, in order. */
    public List<String> documents() {
        return List.copyOf(documents);
    }

    /** What broke Linear's schema, one line per violation, prefixed with the operation's name; empty when all held. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Object answer;
        int status = 200;
        if (!apiKey.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            status = 401;
            answer = Map.of("errors", List.of(Map.of("message", "Authentication required")));
        } else {
            JsonNode request = JSON.readTree(body);
            String document = request.path("query").asText();
            documents.add(document);
            Matcher m = OPERATION.matcher(document);
            if (m.find()) {
                Map<String, Object> data = operation(m.group(2), request.path("variables"));
                Map<String, Object> variables = request.path("variables").isObject()
                        ? JSON.convertValue(request.path("variables"), Map.class)
                        : Map.of();
                contract.exchange(document, variables, data).forEach(v -> violations.add(m.group(2) + ": " + v));
                answer = Map.of("data", data);
            } else {
                answer = Map.of("errors", List.of(Map.of("message", "unnamed operation")));
            }
        }
        byte[] out = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    private Map<String, Object> operation(String name, JsonNode variables) {
        Map<String, Object> data = new LinkedHashMap<>();
        switch (name) {
            case "Issue" -> {
                Issue issue = find(variables.path("id").asText());
                data.put("issue", issue == null ? null : issue(issue));
            }
            case "Comment" -> {
                JsonNode input = variables.path("input");
                Issue issue = find(input.path("issueId").asText());
                if (issue != null) {
                    comments.computeIfAbsent(issue.identifier(), k -> new CopyOnWriteArrayList<>())
                            .add(input.path("body").asText());
                }
                data.put("commentCreate", Map.of("success", issue != null));
            }
            case "States" -> {
                List<Map<String, Object>> nodes = new ArrayList<>();
                STATES.forEach(s ->
                        nodes.add(Map.of("id", "state-" + s.toLowerCase().replace(' ', '-'), "name", s)));
                data.put("workflowStates", Map.of("nodes", nodes));
            }
            case "Move" -> {
                Issue issue = find(variables.path("id").asText());
                String stateId = variables.path("input").path("stateId").asText();
                String state = STATES.stream()
                        .filter(s -> ("state-" + s.toLowerCase().replace(' ', '-')).equals(stateId))
                        .findFirst()
                        .orElse(null);
                if (issue != null && state != null) {
                    states.put(issue.identifier(), state);
                }
                data.put("issueUpdate", Map.of("success", issue != null && state != null));
            }
            case "Labelled" -> {
                String label = variables.path("label").asText();
                List<Map<String, Object>> nodes = new ArrayList<>();
                issues.values().stream()
                        .filter(i -> i.labels().stream().anyMatch(l -> l.equalsIgnoreCase(label)))
                        .forEach(i -> nodes.add(Map.of("identifier", i.identifier())));
                data.put("issues", Map.of("nodes", nodes));
            }
            default -> throw new IllegalArgumentException("unexpected operation " + name);
        }
        return data;
    }

    /** By identifier or internal id, as Linear's {@code issue(id:)} accepts both. */
    private Issue find(String id) {
        Issue byIdentifier = issues.get(id);
        return byIdentifier != null
                ? byIdentifier
                : issues.values().stream()
                        .filter(i -> i.id().equals(id))
                        .findFirst()
                        .orElse(null);
    }

    private Map<String, Object> issue(Issue issue) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", issue.id());
        out.put("identifier", issue.identifier());
        out.put("title", issue.title());
        out.put("description", issue.description());
        out.put("url", url() + "/issue/" + issue.identifier());
        out.put("team", Map.of("key", issue.team()));
        out.put(
                "labels",
                Map.of(
                        "nodes",
                        issue.labels().stream().map(l -> Map.of("name", l)).toList()));
        out.put("assignee", issue.assignee().isEmpty() ? null : issue.assignee());
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
