package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Jira site for tests, Cloud (REST v3 under {@code /rest/api/3}) or Data Center (REST v2 under {@code /rest/api/2}):
 * issues with labels, assignee and status, users with e-mails, comments, a fixed workflow of transitions, and JQL
 * search by label. Requests need the credentials it was started with; every request is recorded, and every exchange
 * is checked against Jira's published OpenAPI description ({@link JiraContract}: what is checked differs between Cloud
 * and Data Center); {@link #violations()} must stay empty.
 */
public final class JiraSimulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ISSUE =
            Pattern.compile("/rest/api/[23]/issue/([A-Z][A-Z0-9_]*-\\d+)(/comment|/transitions)?");
    /** The workflow: every status reachable from every other, as Jira's simplified workflow allows. */
    private static final List<String[]> TRANSITIONS = List.of(
            new String[] {"11", "To Do"},
            new String[] {"21", "In Progress"},
            new String[] {"31", "In Review"},
            new String[] {"41", "Done"});

    /** A recorded request. */
    public record Recorded(String method, String path, String body) {}

    private final HttpServer server;
    private final String authorization;
    private final Map<String, ObjectNode> issues = new ConcurrentHashMap<>();
    private final Map<String, String> statuses = new ConcurrentHashMap<>();
    private final Map<String, List<String>> comments = new ConcurrentHashMap<>();
    private final Map<String, String> emails = new ConcurrentHashMap<>();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();

    private final boolean cloud;
    private final String api;
    private volatile boolean hideEmails;

    private JiraSimulator(boolean cloud, String authorization) throws IOException {
        this.cloud = cloud;
        this.api = cloud ? "/rest/api/3" : "/rest/api/2";
        this.authorization = authorization;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a site that accepts {@code email} with API token {@code token}. */
    public static JiraSimulator start(String email, String token) throws IOException {
        return new JiraSimulator(
                true,
                "Basic " + Base64.getEncoder().encodeToString((email + ":" + token).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Starts a Data Center instance (REST v2 under {@code /rest/api/2}: plain-text descriptions and comments, assignees
     * by user name with their e-mail) that accepts the personal access token {@code token} as bearer.
     */
    public static JiraSimulator startDataCenter(String token) throws IOException {
        return new JiraSimulator(false, "Bearer " + token);
    }

    /** The site's base URL. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Data Center only: leaves e-mails out of the issues added from now on, as an instance whose e-mail visibility is
     * restricted does; the bot then reads them from {@code GET /rest/api/2/user?username=…}.
     */
    public JiraSimulator hideEmailsInIssues() {
        hideEmails = true;
        return this;
    }

    /** A user whose e-mail the site shows to the API. */
    public JiraSimulator user(String accountId, String email) {
        emails.put(accountId, email);
        return this;
    }

    /** Adds an issue in status {@code To Do}; the assignee's e-mail is shown only through {@code GET /user}. */
    public JiraSimulator issue(String key, String summary, String description, List<String> labels, String assignee) {
        ObjectNode issue = JSON.createObjectNode();
        issue.put("id", String.valueOf(10000 + issues.size()));
        issue.put("key", key);
        issue.put("self", url() + api + "/issue/" + key);
        ObjectNode fields = issue.putObject("fields");
        fields.put("summary", summary);
        if (cloud) {
            ObjectNode doc = fields.putObject("description");
            doc.put("type", "doc").put("version", 1);
            ObjectNode paragraph = doc.putArray("content").addObject().put("type", "paragraph");
            paragraph.putArray("content").addObject().put("type", "text").put("text", description);
        } else {
            fields.put("description", description);
        }
        ArrayNode labelList = fields.putArray("labels");
        labels.forEach(labelList::add);
        if (assignee.isEmpty()) {
            fields.putNull("assignee");
        } else if (cloud) {
            fields.putObject("assignee")
                    .put("accountId", assignee)
                    .put("displayName", "Assignee " + assignee)
                    .put("active", true);
        } else {
            // Data Center shows the assignee's e-mail in the issue itself, unless the instance hides it.
            ObjectNode user = fields.putObject("assignee")
                    .put("name", assignee)
                    .put("key", assignee)
                    .put("active", true);
            if (!hideEmails) {
                user.put("emailAddress", emails.getOrDefault(assignee, ""));
            }
        }
        fields.putObject("project")
                .put("id", "1")
                .put("key", key.substring(0, key.indexOf('-')))
                .put("name", "P");
        issues.put(key, issue);
        statuses.put(key, "To Do");
        return this;
    }

    /** The issue's comments (plain text of each), oldest first. */
    public List<String> comments(String key) {
        return List.copyOf(comments.getOrDefault(key, List.of()));
    }

    /** The issue's status. */
    public String status(String key) {
        return statuses.get(key);
    }

    /** Contract violations seen so far (requests and answers that break Jira's description); a test fails on any. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** Every request, in order. */
    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.add(new Recorded(method, path, new String(body, StandardCharsets.UTF_8)));
        int status;
        Object answer;
        if (!authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            status = 401;
            answer = Map.of("errorMessages", List.of("Unauthorized"), "errors", Map.of());
        } else {
            Object[] reply = route(method, path, query == null ? "" : query, body);
            status = (int) reply[0];
            answer = reply[1];
        }
        byte[] out = answer == null ? new byte[0] : JSON.writeValueAsBytes(answer);
        if (out.length > 0) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
        }
        Map<String, String> requestHeaders = new java.util.LinkedHashMap<>();
        for (String name : List.of("Authorization", "Content-Type", "Accept")) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                requestHeaders.put(name, value);
            }
        }
        violations.addAll((cloud ? JiraContract.cloud() : JiraContract.dataCenter())
                .validate(
                        method,
                        path,
                        queryParameters(query),
                        requestHeaders,
                        body,
                        status,
                        out.length > 0 ? Map.of("Content-Type", "application/json") : Map.of(),
                        out));
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    private Object[] route(String method, String path, String query, byte[] body) throws IOException {
        if (cloud && method.equals("GET") && path.equals("/rest/api/3/user")) {
            String account = param(query, "accountId");
            String email = emails.get(account);
            if (email == null) {
                return new Object[] {404, Map.of("errorMessages", List.of("No user"), "errors", Map.of())};
            }
            return new Object[] {
                200,
                Map.of("accountId", account, "emailAddress", email, "displayName", "User " + account, "active", true)
            };
        }
        if (!cloud && method.equals("GET") && path.equals("/rest/api/2/user")) {
            String name = param(query, "username");
            String email = emails.get(name);
            if (email == null) {
                return new Object[] {404, Map.of("errorMessages", List.of("No user"), "errors", Map.of())};
            }
            return new Object[] {
                200,
                Map.of("name", name, "key", name, "emailAddress", email, "displayName", "User " + name, "active", true)
            };
        }
        if (method.equals("POST") && path.equals(cloud ? "/rest/api/3/search/jql" : "/rest/api/2/search")) {
            String jql = JSON.readTree(body).path("jql").asText();
            Matcher label = Pattern.compile("labels = \"([^\"]+)\"").matcher(jql);
            ArrayNode found = JSON.createArrayNode();
            if (label.find()) {
                String wanted = label.group(1);
                issues.values().stream()
                        .filter(i -> i.path("fields").path("labels").toString().contains("\"" + wanted + "\""))
                        .forEach(i -> found.addObject()
                                .put("id", i.path("id").asText())
                                .put("key", i.path("key").asText()));
            }
            return new Object[] {200, Map.of("issues", found, "isLast", true)};
        }
        Matcher m = ISSUE.matcher(path);
        if (!m.matches()) {
            return new Object[] {404, Map.of("errorMessages", List.of("Not found"), "errors", Map.of())};
        }
        ObjectNode issue = issues.get(m.group(1));
        if (issue == null) {
            return new Object[] {404, Map.of("errorMessages", List.of("Issue does not exist"), "errors", Map.of())};
        }
        String key = m.group(1);
        String rest = m.group(2) == null ? "" : m.group(2);
        return switch (method + " " + rest) {
            case "GET " -> new Object[] {200, issue};
            case "POST /comment" -> {
                JsonNode doc = JSON.readTree(body).path("body");
                if (cloud != doc.isObject()) {
                    yield new Object[] {400, Map.of("errorMessages", List.of("Wrong body format"), "errors", Map.of())};
                }
                comments.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(AtlassianDocument.text(doc));
                yield new Object[] {
                    201, Map.of("id", String.valueOf(comments.get(key).size()), "self", url() + path, "body", doc)
                };
            }
            case "GET /transitions" -> {
                List<Map<String, Object>> list = new ArrayList<>();
                for (String[] t : TRANSITIONS) {
                    list.add(Map.of("id", t[0], "name", t[1], "to", Map.of("id", t[0], "name", t[1])));
                }
                yield new Object[] {200, Map.of("transitions", list)};
            }
            case "POST /transitions" -> {
                String id = JSON.readTree(body).path("transition").path("id").asText();
                String to = TRANSITIONS.stream()
                        .filter(t -> t[0].equals(id))
                        .map(t -> t[1])
                        .findFirst()
                        .orElse(null);
                if (to == null) {
                    yield new Object[] {400, Map.of("errorMessages", List.of("No transition"), "errors", Map.of())};
                }
                statuses.put(key, to);
                yield new Object[] {204, null};
            }
            default -> new Object[] {405, Map.of("errorMessages", List.of("Method not allowed"), "errors", Map.of())};
        };
    }

    private static Map<String, List<String>> queryParameters(String query) {
        Map<String, List<String>> parameters = new java.util.LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String param(String query, String name) {
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
