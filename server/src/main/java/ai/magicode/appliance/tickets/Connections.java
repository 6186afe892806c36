package ai.magicode.appliance.tickets;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The tenants' tracker connections (store section {@code tickets.connections}) and their secrets in the vault: each
 * change stored before it is visible, audited, and a connection's secrets deleted with it.
 */
public final class Connections {
    static final String SECTION = "tickets.connections";

    private final ApplianceStore store;
    private final Vault vault;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final State state;
    private final SecureRandom random = new SecureRandom();

    public Connections(ApplianceStore store, Vault vault, Consumer<AuditEvent> audit, Clock clock) {
        this.store = store;
        this.vault = vault;
        this.audit = audit;
        this.clock = clock;
        this.state = store.section(SECTION, State.class, State::new);
    }

    /**
     * Stores a new connection with its secrets (the caller zeroes the arrays).
     *
     * @param draft the settings; its id, tenant and creation time are replaced
     */
    public synchronized Connection create(
            String tenant, Connection draft, byte[] token, byte[] webhookSecret, Actor actor, String requestId) {
        byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        Connection connection = draft.as("t-" + HexFormat.of().formatHex(bytes), tenant, draft.kind(), clock.instant());
        vault.put(tenant, connection.tokenSecret(), token, actor, requestId);
        vault.put(tenant, connection.webhookSecret(), webhookSecret, actor, requestId);
        state.connections.put(connection.id(), connection);
        store.store(state.connections);
        audit.accept(
                event("tickets.connection.create", connection, actor, requestId).success());
        return connection;
    }

    /**
     * Replaces the settings of the tenant's connection, and each secret given (empty: kept).
     *
     * @return the stored connection, empty when the tenant has no such connection
     */
    public synchronized Optional<Connection> update(
            String tenant,
            String id,
            Connection draft,
            Optional<byte[]> token,
            Optional<byte[]> webhookSecret,
            Actor actor,
            String requestId) {
        Optional<Connection> existing = find(tenant, id);
        if (existing.isEmpty()) {
            return Optional.empty();
        }
        Connection connection =
                draft.as(id, tenant, existing.get().kind(), existing.get().createdAt());
        token.ifPresent(t -> vault.put(tenant, connection.tokenSecret(), t, actor, requestId));
        webhookSecret.ifPresent(s -> vault.put(tenant, connection.webhookSecret(), s, actor, requestId));
        state.connections.put(id, connection);
        store.store(state.connections);
        audit.accept(event("tickets.connection.update", connection, actor, requestId)
                .field("token", token.isPresent() ? "replaced" : "kept")
                .field("webhookSecret", webhookSecret.isPresent() ? "replaced" : "kept")
                .success());
        return Optional.of(connection);
    }

    /** Deletes the tenant's connection and its secrets; false when there is none. */
    public synchronized boolean delete(String tenant, String id, Actor actor, String requestId) {
        Optional<Connection> existing = find(tenant, id);
        if (existing.isEmpty()) {
            return false;
        }
        state.connections.remove(id);
        store.store(state.connections);
        vault.delete(tenant, existing.get().tokenSecret(), actor, requestId);
        vault.delete(tenant, existing.get().webhookSecret(), actor, requestId);
        audit.accept(event("tickets.connection.delete", existing.get(), actor, requestId)
                .success());
        return true;
    }

    /** The connection with this id, in any tenant (a webhook names it). */
    public synchronized Optional<Connection> find(String id) {
        return Optional.ofNullable(state.connections.get(id));
    }

    /** The tenant's connection, or empty (no other tenant's connection is ever found). */
    public synchronized Optional<Connection> find(String tenant, String id) {
        return find(id).filter(c -> c.tenant().equals(tenant));
    }

    /** The tenant's connections, oldest first. */
    public synchronized List<Connection> list(String tenant) {
        return all().stream().filter(c -> c.tenant().equals(tenant)).toList();
    }

    /** Every connection, oldest first (the poll). */
    public synchronized List<Connection> all() {
        return state.connections.values().stream()
                .sorted(Comparator.comparing(Connection::createdAt).thenComparing(Connection::id))
                .toList();
    }

    /** The connection's credentials from the vault. */
    byte[] token(Connection connection) {
        return vault.read(connection.tenant(), connection.tokenSecret())
                .orElseThrow(() -> new TicketsException(
                        "The credentials of connection " + connection.id() + " are missing from the vault"));
    }

    /** The connection's webhook secret from the vault, empty when missing. */
    Optional<byte[]> webhookSecret(Connection connection) {
        return vault.read(connection.tenant(), connection.webhookSecret());
    }

    /** Removes the tenant's connections (privacy deletion; the vault erases their secrets with the tenant's). */
    synchronized void erase(String tenant) {
        state.connections.values().removeIf(c -> c.tenant().equals(tenant));
        store.store(state.connections);
    }

    private static AuditEvent.Builder event(String action, Connection connection, Actor actor, String requestId) {
        return AuditEvent.of(action, connection.id())
                .tenant(connection.tenant())
                .actor(actor)
                .requestId(requestId)
                .field("kind", connection.kind().label())
                .field("name", connection.name());
    }

    /** Persistent: connections by id. */
    static final class State {
        final HashMap<String, Connection> connections = new HashMap<>();
    }
}
