package ai.magicode.appliance.llm;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The routing policy's versions in the store (section {@code llm.policy}): every save is validated first and only a
 * valid document becomes a new version, so an invalid policy never replaces the active one. Before any save the
 * built-in local-only default is active.
 */
public final class Policies {
    static final String SECTION = "llm.policy";

    /**
     * One saved version.
     *
     * @param version 1, 2, …
     * @param document the policy JSON
     * @param author who saved it
     * @param savedAt when
     */
    public record Version(int version, String document, String author, Instant savedAt) {}

    private final ApplianceStore store;
    private final Catalogue catalogue;
    private final State state;
    private volatile RoutingPolicy active;
    private volatile int activeVersion;
    private volatile Optional<String> problem = Optional.empty();

    /**
     * Loads the newest version; one that no longer validates (a provider was disabled since) leaves the default
     * active and is reported by {@link #problem}.
     */
    public Policies(ApplianceStore store, Catalogue catalogue) {
        this.store = store;
        this.catalogue = catalogue;
        this.state = store.section(SECTION, State.class, State::new);
        this.active = RoutingPolicy.localDefault(catalogue);
        synchronized (this) {
            if (!state.versions.isEmpty()) {
                Version newest = state.versions.getLast();
                try {
                    active = RoutingPolicy.parse(newest.document(), catalogue);
                    activeVersion = newest.version();
                } catch (RoutingPolicy.PolicyException e) {
                    problem = Optional.of("policy version " + newest.version() + " no longer validates ("
                            + e.getMessage() + "); the local-only default is active");
                }
            }
        }
    }

    /** The policy in force. */
    public RoutingPolicy active() {
        return active;
    }

    /** The version in force; 0 for the built-in default. */
    public int activeVersion() {
        return activeVersion;
    }

    /** Why a stored version is not in force, if so. */
    public Optional<String> problem() {
        return problem;
    }

    /**
     * Validates {@code document} and, when valid, stores it as the next version and puts it in force.
     *
     * @throws RoutingPolicy.PolicyException naming each rule and field at fault; nothing changes
     */
    public synchronized Version save(String document, String author) {
        RoutingPolicy policy = RoutingPolicy.parse(document, catalogue);
        int next = state.versions.isEmpty() ? 1 : state.versions.getLast().version() + 1;
        Version version = new Version(next, document, author, Instant.now());
        state.versions.add(version);
        store.store(state.versions);
        active = policy;
        activeVersion = next;
        problem = Optional.empty();
        return version;
    }

    /** Every saved version, oldest first. */
    public synchronized List<Version> versions() {
        return List.copyOf(state.versions);
    }

    /** The routing policy as inventory: platform-wide, no tenant's share to export or erase. */
    public TenantData tenantData() {
        return TenantData.platform(
                SECTION,
                "store section " + SECTION,
                "every saved version, for the audit trail of routing decisions",
                "the routing policy document (providers, models, budgets), set by the platform administrator",
                List.of("store:" + SECTION));
    }

    /** Persistent versions. */
    static final class State {
        final ArrayList<Version> versions = new ArrayList<>();
    }
}
