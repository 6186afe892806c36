package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Jira client against the Jira simulator: Cloud (REST v3, basic) and Data Center (REST v2, bearer). */
class JiraTrackerIT {
    @Test
    void cloudReadsTheTicketAndTheAssigneeEmailCommentsMovesAndSearches() throws Exception {
        try (JiraSimulator jira = JiraSimulator.start("bot@acme.example", "api-token")) {
            jira.user("acc-1", "dev@acme.example")
                    .issue("SHOP-1", "Typo", "It says wrold.", List.of("magicode"), "acc-1");
            JiraTracker tracker = new JiraTracker(
                    connection(Connection.Kind.JIRA_CLOUD, jira), bytes("bot@acme.example:api-token"), TIMEOUT);
            Ticket ticket = tracker.ticket("SHOP-1");
            assertEquals("SHOP", ticket.projectKey());
            assertEquals("Typo", ticket.title());
            assertEquals("It says wrold.", ticket.description());
            assertEquals("acc-1", ticket.assigneeAccount());
            assertEquals(Optional.of("dev@acme.example"), ticket.assigneeEmail());
            tracker.comment("SHOP-1", "Opened: https://ghes/acme/shop/pull/1");
            assertEquals(List.of("Opened: https://ghes/acme/shop/pull/1"), jira.comments("SHOP-1"));
            assertTrue(tracker.move("SHOP-1", "In Review"));
            assertEquals("In Review", jira.status("SHOP-1"));
            assertFalse(tracker.move("SHOP-1", "No Such Status"));
            assertEquals(
                    List.of("SHOP-1"),
                    tracker.labelled("magicode", Instant.now().minusSeconds(60)));
            assertTrue(jira.requests().stream().allMatch(r -> r.path().startsWith("/rest/api/3/")));
            assertEquals(List.of(), jira.violations(), "every exchange holds to Jira Cloud's OpenAPI description");
        }
    }

    @Test
    void dataCenterUsesRestV2WithABearerTokenAndPlainText() throws Exception {
        try (JiraSimulator jira = JiraSimulator.startDataCenter("pat-123")) {
            jira.user("dev", "dev@acme.example").issue("OPS-2", "Slow", "Too slow.", List.of("magicode"), "dev");
            JiraTracker tracker =
                    new JiraTracker(connection(Connection.Kind.JIRA_DATA_CENTER, jira), bytes("pat-123"), TIMEOUT);
            Ticket ticket = tracker.ticket("OPS-2");
            assertEquals("Too slow.", ticket.description());
            assertEquals("dev", ticket.assigneeAccount());
            assertEquals(Optional.of("dev@acme.example"), ticket.assigneeEmail());
            tracker.comment("OPS-2", "Hello");
            assertEquals(List.of("Hello"), jira.comments("OPS-2"));
            assertTrue(tracker.move("OPS-2", "Done"));
            assertEquals(
                    List.of("OPS-2"), tracker.labelled("magicode", Instant.now().minusSeconds(60)));
            assertTrue(jira.requests().stream().allMatch(r -> r.path().startsWith("/rest/api/2/")));
            assertEquals(List.of(), jira.violations(), "every operation is one of Jira Data Center's REST API");
        }
    }

    @Test
    void wrongCredentialsFailWithoutNamingThem() throws Exception {
        try (JiraSimulator jira = JiraSimulator.startDataCenter("pat-123")) {
            JiraTracker tracker =
                    new JiraTracker(connection(Connection.Kind.JIRA_DATA_CENTER, jira), bytes("wrong-pat"), TIMEOUT);
            TicketsException e =
                    org.junit.jupiter.api.Assertions.assertThrows(TicketsException.class, () -> tracker.ticket("X-1"));
            assertTrue(e.getMessage().contains("401"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-pat"), e.getMessage());
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Connection connection(Connection.Kind kind, JiraSimulator jira) {
        return new Connection(
                "t-1",
                "acme",
                "jira",
                kind,
                jira.url().toString(),
                Map.of("SHOP", "acme/shop"),
                "magicode",
                "",
                "",
                "",
                Instant.EPOCH);
    }
}
