package ai.magicode.appliance.github;

import ai.magicode.appliance.store.ApplianceStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * The App's installations and their repositories as the webhooks report them (store section
 * {@code github.installations}), with the tenant each installation belongs to. Changed only on the inbox's journal
 * writer, so that the mirror's changes commit together with the delivery that caused them; read from any thread.
 */
public final class Installations {
    static final String SECTION = "github.installations";

    /**
     * An installation of the App.
     *
     * @param id its id
     * @param account the user or organisation it is installed on, empty until an event names it
     * @param tenant the tenant it belongs to, empty while unmapped (then only a superadmin sees it)
     * @param suspended whether it is suspended
     * @param removed whether the App was uninstalled
     * @param updatedAt when this record last changed
     */
    public record Installation(
            long id, String account, String tenant, boolean suspended, boolean removed, Instant updatedAt) {}

    /**
     * A repository the App can reach, and what the inbox processed for it.
     *
     * @param id its id
     * @param fullName {@code owner/name}
     * @param installationId the installation reaching it
     * @param deliveriesProcessed deliveries about it that were processed (each exactly once)
     * @param lastDelivery the guid of the last of them, empty when none
     * @param updatedAt when this record last changed
     */
    public record Repository(
            long id,
            String fullName,
            long installationId,
            long deliveriesProcessed,
            String lastDelivery,
            Instant updatedAt) {}

    /** The persistent maps; replaced records. */
    static final class State {
        final HashMap<Long, Installation> installations = new HashMap<>();
        final HashMap<Long, Repository> repositories = new HashMap<>();
    }

    private final State state;

    Installations(ApplianceStore store) {
        this.state = store.section(SECTION, State.class, State::new);
    }

    /** All installations, by id. */
    public synchronized List<Installation> list() {
        return state.installations.values().stream()
                .sorted(Comparator.comparingLong(Installation::id))
                .toList();
    }

    /** The installation with {@code id}. */
    public synchronized Optional<Installation> find(long id) {
        return Optional.ofNullable(state.installations.get(id));
    }

    /** The tenant owning installation {@code id}; empty when unknown or unmapped. */
    public synchronized Optional<String> tenantOf(long id) {
        Installation installation = state.installations.get(id);
        return installation == null || installation.tenant().isEmpty()
                ? Optional.empty()
                : Optional.of(installation.tenant());
    }

    /** The repositories, by full name. */
    public synchronized List<Repository> repositories() {
        return state.repositories.values().stream()
                .sorted(Comparator.comparing(Repository::fullName))
                .toList();
    }

    /** The ids of the installations mapped to {@code tenant}. */
    public synchronized List<Long> idsOf(String tenant) {
        return state.installations.values().stream()
                .filter(i -> i.tenant().equals(tenant))
                .map(Installation::id)
                .sorted()
                .toList();
    }

    /**
     * Forgets the installations mapped to {@code tenant} and their repositories (a tenant's deletion); on the
     * journal writer only. Events about them arrive unmapped afterwards, as for a new installation.
     *
     * @return the changed objects to store
     */
    synchronized List<Object> removeTenant(String tenant) {
        List<Long> ids = idsOf(tenant);
        state.installations.keySet().removeAll(ids);
        state.repositories.values().removeIf(r -> ids.contains(r.installationId()));
        return List.of(state.installations, state.repositories);
    }

    /** Maps installation {@code id} to {@code tenant} (empty: unmapped); on the journal writer only. */
    synchronized List<Object> mapTenant(long id, String tenant, Instant now) {
        Installation existing = state.installations.get(id);
        state.installations.put(
                id,
                existing == null
                        ? new Installation(id, "", tenant, false, false, now)
                        : new Installation(
                                id, existing.account(), tenant, existing.suspended(), existing.removed(), now));
        return List.of(state.installations);
    }

    /**
     * Brings the mirror up to date with a processed event and counts it for its repository; on the journal writer
     * only.
     *
     * @return the changed objects to store with the delivery
     */
    synchronized List<Object> apply(GitHubEvent event, String guid, Instant now) {
        List<Object> changed = new ArrayList<>(2);
        switch (event) {
            case GitHubEvent.Installation installation -> {
                String action = event.context().action();
                boolean removed = action.equals("deleted");
                boolean suspended =
                        action.equals("suspend") || (!action.equals("unsuspend") && installation.suspended());
                upsert(installation.id(), installation.account(), suspended, removed, now);
                changed.add(state.installations);
                if (removed) {
                    state.repositories.values().removeIf(r -> r.installationId() == installation.id());
                } else {
                    installation.repositories().forEach(r -> addRepository(r, installation.id(), now));
                }
                changed.add(state.repositories);
            }
            case GitHubEvent.InstallationRepositories repositories -> {
                Installation existing = state.installations.get(repositories.id());
                upsert(repositories.id(), repositories.account(), existing != null && existing.suspended(), false, now);
                changed.add(state.installations);
                repositories.added().forEach(r -> addRepository(r, repositories.id(), now));
                repositories.removed().forEach(r -> state.repositories.remove(r.id()));
                changed.add(state.repositories);
            }
            default -> {}
        }
        event.context().repository().ifPresent(repo -> {
            Repository existing = state.repositories.get(repo.id());
            long installation =
                    event.context().installationId().orElse(existing == null ? 0 : existing.installationId());
            state.repositories.put(
                    repo.id(),
                    new Repository(
                            repo.id(),
                            repo.fullName(),
                            installation,
                            (existing == null ? 0 : existing.deliveriesProcessed()) + 1,
                            guid,
                            now));
            if (changed.stream().noneMatch(o -> o == state.repositories)) {
                changed.add(state.repositories);
            }
        });
        return changed;
    }

    private void upsert(long id, String account, boolean suspended, boolean removed, Instant now) {
        Installation existing = state.installations.get(id);
        String tenant = existing == null ? "" : existing.tenant();
        String name = account.isEmpty() && existing != null ? existing.account() : account;
        state.installations.put(id, new Installation(id, name, tenant, suspended, removed, now));
    }

    private void addRepository(GitHubEvent.Repository repo, long installation, Instant now) {
        Repository existing = state.repositories.get(repo.id());
        state.repositories.put(
                repo.id(),
                new Repository(
                        repo.id(),
                        repo.fullName(),
                        installation,
                        existing == null ? 0 : existing.deliveriesProcessed(),
                        existing == null ? "" : existing.lastDelivery(),
                        now));
    }
}
