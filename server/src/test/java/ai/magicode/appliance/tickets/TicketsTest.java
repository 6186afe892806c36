package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.TicketsConfig;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ticket flow against a scripted tracker: who triggers, what is refused and told, what is stored. */
class TicketsTest {
    @TempDir
    Path dir;

    private final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    private final List<TicketTrigger> triggered = new CopyOnWriteArrayList<>();
    private final List<String> readableAtStart = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final FakeTracker tracker = new FakeTracker();
    private ApplianceStore store;
    private Tickets tickets;
    private Connection connection;

    @BeforeEach
    void open() {
        store = ApplianceStore.open(dir, List.of());
        Vault vault = Vault.open(store, MasterKeySource.file(dir), events::add);
        Connections connections = new Connections(store, vault, events::add, Clock.systemUTC());
        tickets =
                new Tickets(TicketsConfig.defaults(), store, connections, c -> tracker, events::add, Clock.systemUTC());
        connection = connections.create(
                "acme",
                new Connection(
                        "",
                        "",
                        "jira",
                        Connection.Kind.JIRA_CLOUD,
                        "https://acme.atlassian.net",
                        Map.of("SHOP", "acme/shop"),
                        "magicode",
                        "bot-account",
                        "In Review",
                        "Done",
                        Instant.EPOCH),
                "bot@acme.example:token".getBytes(StandardCharsets.UTF_8),
                "hook".getBytes(StandardCharsets.UTF_8),
                Actor.system(),
                "-");
        tickets.subscribe(t -> {
            triggered.add(t);
            // A started job reads its ticket at once, from another thread: the ticket must be known by then.
            try {
                readableAtStart.add(tickets.task(t.tenant(), t.number()).key());
            } catch (TicketsException e) {
                readableAtStart.add("unknown: " + e.getMessage());
            }
            return TicketTrigger.Outcome.started("j-" + t.key());
        });
    }

    @AfterEach
    void close() {
        tickets.close();
        store.close();
    }

    @Test
    void aLabelledTicketTriggersOnceWithItsMappedRepository() {
        tracker.put(ticket("SHOP-1", List.of("MagiCode"), ""));
        assertEquals(Tickets.Receipt.ACCEPTED, tickets.receive(connection, "d1", "SHOP-1", "webhook"));
        assertEquals(Tickets.Receipt.DUPLICATE, tickets.receive(connection, "d1", "SHOP-1", "webhook"));
        await(() -> processed("d1"));
        assertEquals(Tickets.Receipt.ACCEPTED, tickets.receive(connection, "d2", "SHOP-1", "webhook"));
        await(() -> processed("d2"));
        assertEquals(1, triggered.size(), "a second label event for a ticket with a job starts nothing");
        TicketTrigger trigger = triggered.getFirst();
        assertEquals("acme/shop", trigger.repository());
        assertTrue(trigger.number() < 0, "never a GitHub issue number");
        assertEquals(List.of("started", "duplicate"), outcomes());
        assertEquals(List.of("SHOP-1"), readableAtStart, "the job could read its ticket when it started");
    }

    @Test
    void anAssignmentToTheBotTriggersAndAnUnlabelledTicketDoesNot() {
        tracker.put(ticket("SHOP-2", List.of(), "bot-account"));
        tracker.put(ticket("SHOP-3", List.of("bug"), "someone"));
        tickets.receive(connection, "d1", "SHOP-2", "webhook");
        tickets.receive(connection, "d2", "SHOP-3", "webhook");
        await(() -> processed("d1") && processed("d2"));
        assertEquals(
                List.of("SHOP-2"), triggered.stream().map(TicketTrigger::key).toList());
        assertEquals(List.of("started", "ignored"), outcomes());
    }

    @Test
    void anUnmappedProjectIsToldOnceAndStartsNothing() {
        tracker.put(ticket("OPS-1", List.of("magicode"), ""));
        tickets.receive(connection, "d1", "OPS-1", "webhook");
        tickets.receive(connection, "d2", "OPS-1", "poll");
        await(() -> processed("d1") && processed("d2"));
        assertEquals(List.of(), triggered);
        assertEquals(1, tracker.comments.getOrDefault("OPS-1", List.of()).size(), tracker.comments.toString());
        assertTrue(tracker.comments.get("OPS-1").getFirst().contains("`OPS`"), tracker.comments.toString());
    }

    @Test
    void aTrackerFailureLeavesTheDeliveryPendingForThePoll() {
        tickets.receive(connection, "d1", "SHOP-404", "webhook");
        await(() -> tracker.asked.contains("SHOP-404"));
        assertEquals("pending", tickets.deliveries("acme").getFirst().state());
        tracker.put(ticket("SHOP-404", List.of("magicode"), ""));
        tickets.poll();
        await(() -> processed("d1"));
        assertEquals(1, triggered.size());
    }

    @Test
    void theOpenedAndMergedPullRequestReachTheTicketOnce() {
        tracker.put(ticket("SHOP-5", List.of("magicode"), ""));
        tickets.receive(connection, "d1", "SHOP-5", "webhook");
        await(() -> processed("d1"));
        long number = triggered.getFirst().number();
        tickets.pullRequestOpened("acme", number, "https://ghes/acme/shop/pull/3");
        tickets.pullRequestOpened("acme", number, "https://ghes/acme/shop/pull/3");
        assertEquals(
                List.of("MagiCode opened a pull request for this ticket: https://ghes/acme/shop/pull/3"),
                tracker.comments.get("SHOP-5"));
        assertEquals(List.of("In Review"), tracker.moves.get("SHOP-5"));
        tickets.pullRequestMerged("acme", number);
        tickets.pullRequestMerged("acme", number);
        assertEquals(List.of("In Review", "Done"), tracker.moves.get("SHOP-5"));
        assertEquals(Optional.of("SHOP-5"), tickets.key("acme", number));
        assertEquals(Optional.empty(), tickets.key("other", number), "another tenant never finds the ticket");
    }

    private boolean processed(String delivery) {
        return tickets.deliveries("acme").stream()
                .anyMatch(d -> d.key().endsWith(":" + delivery) && d.state().equals("done"));
    }

    private List<String> outcomes() {
        return tickets.deliveries("acme").stream()
                .map(Tickets.Delivery::outcome)
                .toList();
    }

    private static Ticket ticket(String key, List<String> labels, String assignee) {
        return new Ticket(
                key,
                key.substring(0, key.indexOf('-')),
                "Title of " + key,
                "Text",
                labels,
                assignee,
                Optional.of("someone@acme.example"),
                "https://acme.atlassian.net/browse/" + key);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "still waiting at the deadline");
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    /** A tracker holding tickets in memory; an unknown key fails as an unreachable tracker would. */
    private static final class FakeTracker implements Tracker {
        final Map<String, Ticket> tickets = new HashMap<>();
        final Map<String, List<String>> comments = new HashMap<>();
        final Map<String, List<String>> moves = new HashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();

        synchronized void put(Ticket ticket) {
            tickets.put(ticket.key(), ticket);
        }

        @Override
        public synchronized Ticket ticket(String key) {
            asked.add(key);
            Ticket ticket = tickets.get(key);
            if (ticket == null) {
                throw new TicketsException("GET /rest/api/3/issue/" + key + " answered 503");
            }
            return ticket;
        }

        @Override
        public synchronized void comment(String key, String text) {
            comments.computeIfAbsent(key, k -> new ArrayList<>()).add(text);
        }

        @Override
        public synchronized boolean move(String key, String status) {
            moves.computeIfAbsent(key, k -> new ArrayList<>()).add(status);
            return true;
        }

        @Override
        public synchronized List<String> labelled(String label, Instant since) {
            return tickets.values().stream()
                    .filter(t -> t.labelled(label))
                    .map(Ticket::key)
                    .toList();
        }
    }
}
