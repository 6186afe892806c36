package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Jira through its REST API: Cloud (v3: e-mail and API token as basic authentication, descriptions and comments in
 * the Atlassian Document Format) or Data Center (v2: a personal access token as bearer, plain text).
 */
final class JiraTracker implements Tracker {
    private static final String FIELDS = "summary,description,labels,assignee,project";
    private static final DateTimeFormatter JQL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private final boolean cloud;
    private final String site;
    private final String api;
    private final TrackerHttp http;

    /**
     * @param credentials Cloud: {@code email:token}; Data Center: the personal access token
     */
    JiraTracker(Connection connection, byte[] credentials, Duration timeout) {
        this.cloud = connection.kind() == Connection.Kind.JIRA_CLOUD;
        this.site = connection.baseUrl().replaceAll("/+$", "");
        this.api = cloud ? "/rest/api/3" : "/rest/api/2";
        String authorization = cloud
                ? "Basic " + Base64.getEncoder().encodeToString(credentials)
                : "Bearer " + new String(credentials, StandardCharsets.UTF_8);
        this.http = new TrackerHttp(site, authorization, timeout);
    }

    @Override
    public Ticket ticket(String key) {
        JsonNode issue = http.get(api + "/issue/" + encode(key) + "?fields=" + FIELDS);
        JsonNode fields = issue.path("fields");
        List<String> labels = new ArrayList<>();
        fields.path("labels").forEach(l -> labels.add(l.asText()));
        JsonNode assignee = fields.path("assignee");
        String account = cloud
                ? assignee.path("accountId").asText("")
                : assignee.path("name").asText("");
        return new Ticket(
                issue.path("key").asText(key),
                fields.path("project").path("key").asText(""),
                fields.path("summary").asText(""),
                cloud
                        ? AtlassianDocument.text(fields.path("description"))
                        : fields.path("description").asText(""),
                labels,
                account,
                email(assignee, account),
                site + "/browse/" + issue.path("key").asText(key));
    }

    /**
     * The assignee's e-mail where Jira shows it: in the issue, else from the user (Cloud by account id, where the
     * user's profile visibility allows it; Data Center by user name, where the instance's e-mail visibility setting
     * leaves it out of issues but lets the bot's account read it).
     */
    private Optional<String> email(JsonNode assignee, String account) {
        String shown = assignee.path("emailAddress").asText("");
        if (!shown.isBlank() || account.isEmpty()) {
            return Optional.of(shown).filter(e -> !e.isBlank());
        }
        JsonNode user = http.get(api + "/user?" + (cloud ? "accountId=" : "username=") + encode(account));
        return Optional.of(user.path("emailAddress").asText("")).filter(e -> !e.isBlank());
    }

    @Override
    public void comment(String key, String text) {
        Object body = cloud ? Map.of("body", AtlassianDocument.of(text)) : Map.of("body", text);
        http.post(api + "/issue/" + encode(key) + "/comment", body);
    }

    @Override
    public boolean move(String key, String status) {
        JsonNode transitions = http.get(api + "/issue/" + encode(key) + "/transitions");
        for (JsonNode transition : transitions.path("transitions")) {
            if (transition.path("to").path("name").asText("").equalsIgnoreCase(status)
                    || transition.path("name").asText("").equalsIgnoreCase(status)) {
                http.post(
                        api + "/issue/" + encode(key) + "/transitions",
                        Map.of("transition", Map.of("id", transition.path("id").asText())));
                return true;
            }
        }
        return false;
    }

    @Override
    public List<String> labelled(String label, Instant since) {
        String jql = "labels = \"" + label.replace("\"", "") + "\" AND updated >= \"" + JQL_TIME.format(since)
                + "\" ORDER BY updated ASC";
        Map<String, Object> query = Map.of("jql", jql, "fields", List.of("labels"), "maxResults", 50);
        // Cloud's search moved to /search/jql (the old /search is removed there); Data Center keeps /search.
        JsonNode found = http.post(api + (cloud ? "/search/jql" : "/search"), query);
        List<String> keys = new ArrayList<>();
        found.path("issues").forEach(i -> keys.add(i.path("key").asText()));
        return keys;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
