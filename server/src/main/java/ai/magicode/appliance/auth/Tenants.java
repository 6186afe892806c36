package ai.magicode.appliance.auth;

import ai.magicode.appliance.store.ApplianceStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tenants of the appliance (store section {@code auth.tenants}): every stored object, index, secret
 * and audit entry belongs to one. A disabled tenant's callers are refused; its data stays.
 */
public final class Tenants {
    /** Tenant names: lower-case DNS-label style, so they fit in paths, metrics and claims. */
    static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /**
     * A tenant.
     *
     * @param name its unique name, as the tenant claim carries it
     * @param enabled whether its callers are served
     * @param createdAt when it was created
     */
    public record Tenant(String name, boolean enabled, Instant createdAt) {}

    private final ApplianceStore store;
    private final State state;

    Tenants(ApplianceStore store) {
        this.store = store;
        this.state = store.section("auth.tenants", State.class, State::new);
    }

    /** All tenants, by name. */
    synchronized List<Tenant> list() {
        return state.tenants.values().stream()
                .sorted(java.util.Comparator.comparing(Tenant::name))
                .toList();
    }

    synchronized Optional<Tenant> find(String name) {
        return Optional.ofNullable(state.tenants.get(name));
    }

    /** Whether callers of {@code name} may be served. */
    synchronized boolean isEnabled(String name) {
        Tenant tenant = state.tenants.get(name);
        return tenant != null && tenant.enabled();
    }

    /**
     * Creates a tenant.
     *
     * @return the new tenant, or empty when the name is taken
     * @throws IllegalArgumentException when the name is not a valid tenant name
     */
    synchronized Optional<Tenant> create(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a tenant name is 1 to 63 lower-case letters, digits and inner dashes");
        }
        if (state.tenants.containsKey(name)) {
            return Optional.empty();
        }
        Tenant tenant = new Tenant(name, true, Instant.now());
        state.tenants.put(name, tenant);
        store.store(state.tenants);
        return Optional.of(tenant);
    }

    /** Enables or disables {@code name}; empty when there is no such tenant. */
    synchronized Optional<Tenant> setEnabled(String name, boolean enabled) {
        Tenant tenant = state.tenants.get(name);
        if (tenant == null) {
            return Optional.empty();
        }
        Tenant changed = new Tenant(name, enabled, tenant.createdAt());
        state.tenants.put(name, changed);
        store.store(state.tenants);
        return Optional.of(changed);
    }

    /** Removes {@code name} (the last step of a tenant's deletion); whether it existed. */
    synchronized boolean remove(String name) {
        if (state.tenants.remove(name) == null) {
            return false;
        }
        store.store(state.tenants);
        return true;
    }

    /** Persistent tenant table; replaced records, stored as a map. */
    static final class State {
        final Map<String, Tenant> tenants = new HashMap<>();
    }
}
