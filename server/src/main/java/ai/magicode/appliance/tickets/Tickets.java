package ai.magicode.appliance.tickets;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.TicketsConfig;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Jira and Linear tickets that drive the agent. A webhook delivery or a poll names a ticket; the delivery (its id and
 * the ticket's key, never the body) is stored before it is acknowledged, then the ticket is read from the tracker and,
 * when it is labelled for the bot or assigned to it, handed to the subscriber ({@link #subscribe}) with the repository
 * its project maps to. The ticket hears back: a comment when nothing can start, a comment with the pull request's link
 * and a status move when it opens, another move when it is merged. Store sections {@code tickets.deliveries} and
 * {@code tickets.links}; a ticket's text and its assignee's e-mail are never stored.
 */
public final class Tickets implements AutoCloseable {
    static final String DELIVERIES = "tickets.deliveries";
    static final String LINKS = "tickets.links";
    /** How long a processed delivery's id is kept to recognise a redelivery. */
    static final Duration DEDUPE_WINDOW = Duration.ofDays(3);

    private static final System.Logger LOG = System.getLogger(Tickets.class.getName());

    /** What became of a received delivery. */
    public enum Receipt {
        /** Stored durably; it will be processed. */
        ACCEPTED,
        /** Its id is known: acknowledged again, not processed twice. */
        DUPLICATE
    }

    /**
     * A received delivery: which ticket it names, and where its processing stands.
     *
     * @param key {@code connection:delivery id}
     * @param tenant the connection's tenant
     * @param connection the connection's id
     * @param ticket the ticket's key
     * @param source {@code webhook} or {@code poll}
     * @param state {@code pending}, {@code done}
     * @param outcome what processing did ({@code started}, {@code ignored}, {@code refused}, …), empty while pending
     * @param receivedAt when it arrived
     */
    record Delivery(
            String key,
            String tenant,
            String connection,
            String ticket,
            String source,
            String state,
            String outcome,
            Instant receivedAt) {
        Delivery done(String result) {
            return new Delivery(key, tenant, connection, ticket, source, "done", result, receivedAt);
        }
    }

    /**
     * What the appliance did for a ticket.
     *
     * @param key {@code connection/ticket key}
     * @param tenant the tenant
     * @param connection the connection's id
     * @param ticket the ticket's key
     * @param number the ticket's number in the appliance (negative)
     * @param repository the mapped repository, empty when none
     * @param job the agent job, empty when none started
     * @param state {@code started}, {@code refused}, {@code opened}, {@code merged}
     * @param detail why it was refused, or the pull request's address
     * @param updatedAt when it last changed
     */
    record Link(
            String key,
            String tenant,
            String connection,
            String ticket,
            long number,
            String repository,
            String job,
            String state,
            String detail,
            Instant updatedAt) {
        Link with(String next, String job, String detail, Instant now) {
            return new Link(key, tenant, connection, ticket, number, repository, job, next, detail, now);
        }

        Link in(String repo) {
            return new Link(key, tenant, connection, ticket, number, repo, job, state, detail, updatedAt);
        }

        boolean active() {
            return state.equals("started") || state.equals("opened");
        }
    }

    private final TicketsConfig config;
    private final ApplianceStore store;
    private final Connections connections;
    private final Function<Connection, Tracker> trackers;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final HashMap<String, Delivery> deliveries;
    private final HashMap<String, Link> links;
    private final Map<String, Instant> polledUntil = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("tickets").daemon().factory());
    private volatile Function<TicketTrigger, TicketTrigger.Outcome> subscriber =
            t -> TicketTrigger.Outcome.refused("the agent is not running");

    public Tickets(
            TicketsConfig config,
            ApplianceStore store,
            Connections connections,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this(config, store, connections, null, audit, clock);
    }

    Tickets(
            TicketsConfig config,
            ApplianceStore store,
            Connections connections,
            Function<Connection, Tracker> trackers,
            Consumer<AuditEvent> audit,
            Clock clock) {
        this.config = config;
        this.store = store;
        this.connections = connections;
        this.trackers = trackers != null ? trackers : this::tracker;
        this.audit = audit;
        this.clock = clock;
        this.deliveries = store.section(DELIVERIES, DeliveryState.class, DeliveryState::new).items;
        this.links = store.section(LINKS, LinkState.class, LinkState::new).items;
    }

    /** The connections. */
    public Connections connections() {
        return connections;
    }

    /** The configuration. */
    TicketsConfig config() {
        return config;
    }

    /** Sets who starts work for triggered tickets (the agent), then processes the deliveries left pending. */
    public void subscribe(Function<TicketTrigger, TicketTrigger.Outcome> subscriber) {
        this.subscriber = subscriber;
        pending().forEach(d -> worker.execute(() -> process(d.key())));
    }

    /** Stores a delivery naming {@code ticket} (durable when this returns), then processes it in the background. */
    public Receipt receive(Connection connection, String deliveryId, String ticket, String source) {
        String key = connection.id() + ":" + deliveryId;
        synchronized (this) {
            if (deliveries.containsKey(key)) {
                return Receipt.DUPLICATE;
            }
            Instant now = clock.instant();
            deliveries
                    .values()
                    .removeIf(d -> d.state().equals("done") && d.receivedAt().isBefore(now.minus(DEDUPE_WINDOW)));
            deliveries.put(
                    key, new Delivery(key, connection.tenant(), connection.id(), ticket, source, "pending", "", now));
            store.store(deliveries);
        }
        worker.execute(() -> process(key));
        return Receipt.ACCEPTED;
    }

    /** Polls every connection for tickets labelled since its last poll; each goes through {@link #receive}. */
    public void poll() {
        for (Connection connection : connections.all()) {
            Instant now = clock.instant();
            Instant since = polledUntil.getOrDefault(connection.id(), now.minus(config.pollWindow()));
            try {
                for (String key : trackers.apply(connection).labelled(connection.triggerLabel(), since)) {
                    if (!active(connection.id(), key)) {
                        receive(connection, "poll-" + key + "-" + now.toEpochMilli(), key, "poll");
                    }
                }
                // Jira's JQL compares minutes: the next poll overlaps the last one by a minute.
                polledUntil.put(connection.id(), now.minus(Duration.ofMinutes(1)));
            } catch (TicketsException e) {
                LOG.log(WARNING, "Polling ticket connection " + connection.id() + " failed: " + e.getMessage());
            }
        }
        pending().forEach(d -> worker.execute(() -> process(d.key())));
    }

    private synchronized List<Delivery> pending() {
        return deliveries.values().stream()
                .filter(d -> d.state().equals("pending"))
                .sorted(Comparator.comparing(Delivery::receivedAt).thenComparing(Delivery::key))
                .toList();
    }

    private synchronized boolean active(String connection, String ticket) {
        Link link = links.get(connection + "/" + ticket);
        return link != null && link.active();
    }

    /** Processes one delivery; a tracker failure leaves it pending for the next poll. */
    void process(String deliveryKey) {
        Delivery delivery;
        synchronized (this) {
            delivery = deliveries.get(deliveryKey);
        }
        if (delivery == null || !delivery.state().equals("pending")) {
            return;
        }
        Optional<Connection> connection = connections.find(delivery.connection());
        if (connection.isEmpty()) {
            finish(delivery, "no-connection");
            return;
        }
        try {
            finish(delivery, handle(connection.get(), delivery.ticket()));
        } catch (TicketsException e) {
            LOG.log(
                    WARNING,
                    "Ticket " + delivery.ticket() + " of connection " + delivery.connection()
                            + " could not be processed (retried at the next poll): " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(WARNING, "Ticket delivery " + deliveryKey + " failed", e);
            finish(delivery, "error");
        }
    }

    private String handle(Connection connection, String key) {
        Tracker tracker = trackers.apply(connection);
        Ticket ticket = tracker.ticket(key);
        boolean labelled = ticket.labelled(connection.triggerLabel());
        boolean assigned =
                !connection.botAccount().isBlank() && connection.botAccount().equals(ticket.assigneeAccount());
        if (!labelled && !assigned) {
            return "ignored";
        }
        Link link = link(connection, ticket.key());
        if (link.active()) {
            return "duplicate";
        }
        String trigger = labelled ? "label" : "assignment";
        Optional<String> repository = connection.repositoryFor(ticket.projectKey());
        if (repository.isPresent()) {
            // Stored before the job can start: the job reads its ticket through this link at once.
            put(link.in(repository.get()));
        }
        TicketTrigger.Outcome outcome = repository.isEmpty()
                ? TicketTrigger.Outcome.refused("No GitHub repository is mapped to " + projectWord(connection) + " `"
                        + ticket.projectKey() + "` in the MagiCode connection, so no work was started. An admin can add"
                        + " the mapping in the appliance's ticket settings.")
                : subscriber.apply(new TicketTrigger(
                        connection.tenant(),
                        connection.id(),
                        connection.kind().label(),
                        ticket.key(),
                        link.number(),
                        repository.get(),
                        ticket.title()));
        Instant now = clock.instant();
        switch (outcome) {
            case TicketTrigger.Outcome.Started started -> {
                put(link.in(repository.orElse("")).with("started", started.job(), "", now));
                audit.accept(audit(connection, ticket.key(), "tickets.ticket.trigger")
                        .field("trigger", trigger)
                        .field("repository", repository.orElse(""))
                        .field("job", started.job())
                        .success());
                return "started";
            }
            case TicketTrigger.Outcome.Refused refused -> {
                boolean told = !(link.state().equals("refused") && link.detail().equals(refused.reason()));
                if (told) {
                    comment(connection, tracker, ticket.key(), "MagiCode did not start: " + refused.reason());
                }
                put(link.in(repository.orElse("")).with("refused", "", refused.reason(), now));
                audit.accept(audit(connection, ticket.key(), "tickets.ticket.trigger")
                        .field("trigger", trigger)
                        .field("repository", repository.orElse(""))
                        .field("reason", refused.reason())
                        .field("commented", told)
                        .denied());
                return "refused";
            }
        }
    }

    private static String projectWord(Connection connection) {
        return connection.kind().jira() ? "the Jira project" : "the Linear team";
    }

    /**
     * The task of the ticket with {@code number}, read from its tracker now (title, description, assignee's e-mail).
     *
     * @throws TicketsException when the ticket is unknown or the tracker cannot answer
     */
    public TicketTask task(String tenant, long number) {
        Link link = linkOf(tenant, number);
        Connection connection = connection(link);
        Ticket ticket = trackers.apply(connection).ticket(link.ticket());
        return new TicketTask(ticket.key(), ticket.title(), ticket.description(), ticket.url(), ticket.assigneeEmail());
    }

    /** The key of the ticket with {@code number} ({@code PROJ-12}), or empty. */
    public synchronized Optional<String> key(String tenant, long number) {
        return links.values().stream()
                .filter(l -> l.tenant().equals(tenant) && l.number() == number)
                .map(Link::ticket)
                .findFirst();
    }

    /**
     * The job's pull request opened: comments its address on the ticket and moves the ticket to the opened status,
     * once (a resumed job calling again changes nothing).
     */
    public void pullRequestOpened(String tenant, long number, String pullUrl) {
        Link link = linkOf(tenant, number);
        if (!link.state().equals("started")) {
            return;
        }
        Connection connection = connection(link);
        Tracker tracker = trackers.apply(connection);
        comment(connection, tracker, link.ticket(), "MagiCode opened a pull request for this ticket: " + pullUrl);
        move(connection, tracker, link.ticket(), connection.openedStatus());
        put(link.with("opened", link.job(), pullUrl, clock.instant()));
    }

    /** The job's pull request was merged: moves the ticket to the merged status, once. */
    public void pullRequestMerged(String tenant, long number) {
        Link link = linkOf(tenant, number);
        if (!link.state().equals("opened")) {
            return;
        }
        Connection connection = connection(link);
        move(connection, trackers.apply(connection), link.ticket(), connection.mergedStatus());
        put(link.with("merged", link.job(), link.detail(), clock.instant()));
    }

    /** Comments {@code text} on the ticket (a job's failure report). */
    public void report(String tenant, long number, String text) {
        Link link = linkOf(tenant, number);
        Connection connection = connection(link);
        comment(connection, trackers.apply(connection), link.ticket(), text);
    }

    private void comment(Connection connection, Tracker tracker, String key, String text) {
        tracker.comment(key, text);
        audit.accept(audit(connection, key, "tickets.comment").success());
    }

    private void move(Connection connection, Tracker tracker, String key, String status) {
        if (status.isBlank()) {
            return;
        }
        boolean moved = tracker.move(key, status);
        if (!moved) {
            LOG.log(INFO, "Ticket " + key + " cannot move to status '" + status + "' from where it is");
        }
        AuditEvent.Builder event = audit(connection, key, "tickets.transition").field("status", status);
        audit.accept(moved ? event.success() : event.failure());
    }

    private AuditEvent.Builder audit(Connection connection, String key, String action) {
        return AuditEvent.of(action, connection.id() + "/" + key)
                .tenant(connection.tenant())
                .actor(Actor.system())
                .field("kind", connection.kind().label());
    }

    private Connection connection(Link link) {
        return connections
                .find(link.tenant(), link.connection())
                .orElseThrow(() -> new TicketsException("The ticket connection " + link.connection() + " was deleted"));
    }

    private synchronized Link linkOf(String tenant, long number) {
        return links.values().stream()
                .filter(l -> l.tenant().equals(tenant) && l.number() == number)
                .findFirst()
                .orElseThrow(() -> new TicketsException("There is no ticket " + number));
    }

    /** The ticket's link, a new one (with the next free number, not yet stored) when it has none. */
    private synchronized Link link(Connection connection, String ticket) {
        String key = connection.id() + "/" + ticket;
        Link existing = links.get(key);
        if (existing != null) {
            return existing;
        }
        long lowest = links.values().stream().mapToLong(Link::number).min().orElse(0);
        return new Link(
                key,
                connection.tenant(),
                connection.id(),
                ticket,
                Math.min(lowest, 0) - 1,
                "",
                "",
                "new",
                "",
                clock.instant());
    }

    private synchronized void put(Link link) {
        links.put(link.key(), link);
        store.store(links);
    }

    private synchronized void finish(Delivery delivery, String outcome) {
        deliveries.put(delivery.key(), delivery.done(outcome));
        store.store(deliveries);
    }

    private Tracker tracker(Connection connection) {
        byte[] token = connections.token(connection);
        try {
            return connection.kind().jira()
                    ? new JiraTracker(connection, token, config.timeout())
                    : new LinearTracker(connection, token, config.timeout());
        } finally {
            java.util.Arrays.fill(token, (byte) 0);
        }
    }

    /** The deliveries kept for the tenant, oldest first (the export and tests). */
    synchronized List<Delivery> deliveries(String tenant) {
        return deliveries.values().stream()
                .filter(d -> d.tenant().equals(tenant))
                .sorted(Comparator.comparing(Delivery::receivedAt).thenComparing(Delivery::key))
                .toList();
    }

    /** The tenant's ticket links, by ticket (the export). */
    synchronized List<Link> links(String tenant) {
        return links.values().stream()
                .filter(l -> l.tenant().equals(tenant))
                .sorted(Comparator.comparing(Link::key))
                .toList();
    }

    /** The data this feature keeps per tenant: connections, deliveries, ticket links. */
    public List<TenantData> tenantData() {
        return List.of(
                new TenantData(
                        "tickets.connections",
                        "store section " + Connections.SECTION + " (credentials and webhook secrets in the vault)",
                        "until deleted by an admin or with the tenant",
                        "reach the tenant's Jira sites and Linear workspaces and check their webhooks",
                        List.of("store:" + Connections.SECTION),
                        (tenant, sink) -> sink.add(
                                "tickets/connections.json",
                                connections.list(tenant).stream()
                                        .map(Tickets::exported)
                                        .toList()),
                        connections::erase),
                new TenantData(
                        "tickets.deliveries",
                        "store section " + DELIVERIES + " (delivery id and ticket key; never the body)",
                        "processed ones " + DEDUPE_WINDOW.toDays() + " days",
                        "acknowledge a webhook only once it is durable, and process a redelivery once",
                        List.of("store:" + DELIVERIES),
                        (tenant, sink) -> sink.add(
                                "tickets/deliveries.json",
                                deliveries(tenant).stream()
                                        .map(d -> Map.of(
                                                "connection", d.connection(),
                                                "ticket", d.ticket(),
                                                "source", d.source(),
                                                "state", d.state(),
                                                "outcome", d.outcome(),
                                                "receivedAt", d.receivedAt().toString()))
                                        .toList()),
                        this::eraseDeliveries),
                new TenantData(
                        "tickets.links",
                        "store section " + LINKS + " (ticket key, repository, job, state; never the ticket's text)",
                        "until the tenant is deleted",
                        "start one job per ticket and tell the ticket when its pull request opens and merges",
                        List.of("store:" + LINKS),
                        (tenant, sink) -> sink.add(
                                "tickets/links.json",
                                links(tenant).stream()
                                        .map(l -> Map.of(
                                                "connection", l.connection(),
                                                "ticket", l.ticket(),
                                                "repository", l.repository(),
                                                "job", l.job(),
                                                "state", l.state(),
                                                "detail", l.detail(),
                                                "updatedAt", l.updatedAt().toString()))
                                        .toList()),
                        this::eraseLinks));
    }

    static Map<String, Object> exported(Connection connection) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", connection.id());
        out.put("name", connection.name());
        out.put("kind", connection.kind().label());
        out.put("baseUrl", connection.baseUrl());
        out.put("repositories", new LinkedHashMap<>(connection.repositories()));
        out.put("triggerLabel", connection.triggerLabel());
        out.put("botAccount", connection.botAccount());
        out.put("openedStatus", connection.openedStatus());
        out.put("mergedStatus", connection.mergedStatus());
        out.put("tokenSecret", connection.tokenSecret());
        out.put("webhookSecretName", connection.webhookSecret());
        out.put("createdAt", connection.createdAt().toString());
        return out;
    }

    private synchronized void eraseDeliveries(String tenant) {
        deliveries.values().removeIf(d -> d.tenant().equals(tenant));
        store.store(deliveries);
    }

    private synchronized void eraseLinks(String tenant) {
        links.values().removeIf(l -> l.tenant().equals(tenant));
        store.store(links);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }

    /** Persistent: deliveries by {@code connection:delivery id}. */
    static final class DeliveryState {
        final HashMap<String, Delivery> items = new HashMap<>();
    }

    /** Persistent: ticket links by {@code connection/ticket key}. */
    static final class LinkState {
        final HashMap<String, Link> items = new HashMap<>();
    }
}
