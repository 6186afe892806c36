package ai.magicode.appliance.auth;

import ai.magicode.appliance.secrets.PasswordHashes;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Role;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Local users with a password (store section {@code auth.local-users}): the first administrator made at
 * setup, for break-glass access when the OIDC provider is down. Passwords are kept as Argon2id hashes.
 * Also holds whether local login is enabled at run time.
 */
final class LocalUsers {
    /** A dummy hash, verified against when the user does not exist, so timing does not reveal user names. */
    private static final String DUMMY = PasswordHashes.hash("not a password".toCharArray());

    /**
     * A local user.
     *
     * @param username login name
     * @param tenant the tenant it acts in
     * @param roleNames its roles there (see {@link RoleNames})
     * @param passwordHash Argon2id PHC string
     * @param createdAt when it was created
     */
    record LocalUser(String username, String tenant, String roleNames, String passwordHash, Instant createdAt) {
        Set<Role> roles() {
            return RoleNames.parse(roleNames);
        }
    }

    /** How a local user's subject (its actor id) starts: {@code local:<username>}. */
    static final String SUBJECT_PREFIX = "local:";

    private final ApplianceStore store;
    private final State state;

    LocalUsers(ApplianceStore store) {
        this.store = store;
        this.state = store.section("auth.local-users", State.class, State::new);
    }

    synchronized boolean isEmpty() {
        return state.users.isEmpty();
    }

    synchronized void create(String username, String tenant, Set<Role> roles, char[] password) {
        disabledAt().remove(username);
        state.users.put(
                username,
                new LocalUser(username, tenant, RoleNames.join(roles), PasswordHashes.hash(password), Instant.now()));
        store.storeAll(List.of(state.users, state, disabledAt()));
    }

    /** The user whose password this is, if any. */
    Optional<LocalUser> authenticate(String username, char[] password) {
        LocalUser user;
        synchronized (this) {
            user = state.users.get(username);
        }
        boolean matches = PasswordHashes.verify(password, user == null ? DUMMY : user.passwordHash());
        return matches && user != null && !isDisabled(user.username()) ? Optional.of(user) : Optional.empty();
    }

    /** Whether a local user of that name exists in any tenant (names are unique across tenants). */
    synchronized boolean nameTaken(String username) {
        return state.users.containsKey(username);
    }

    /** The local user of {@code tenant} whose subject is {@code subject} ({@code local:<username>}). */
    synchronized Optional<LocalUser> find(String tenant, String subject) {
        LocalUser user =
                subject.startsWith(SUBJECT_PREFIX) ? state.users.get(subject.substring(SUBJECT_PREFIX.length())) : null;
        return user == null || !user.tenant().equals(tenant) ? Optional.empty() : Optional.of(user);
    }

    /** Gives {@code username} these roles (its password and creation time stay). */
    synchronized LocalUser setRoles(String username, Set<Role> roles) {
        LocalUser user = state.users.get(username);
        LocalUser changed = new LocalUser(
                user.username(), user.tenant(), RoleNames.join(roles), user.passwordHash(), user.createdAt());
        state.users.put(username, changed);
        store.store(state.users);
        return changed;
    }

    /** Disables (no sign-in) or enables {@code username}. */
    synchronized void setDisabled(String username, boolean disabled) {
        if (disabled) {
            disabledAt().putIfAbsent(username, Instant.now());
        } else {
            disabledAt().remove(username);
        }
        store.storeAll(List.of(state, disabledAt()));
    }

    /** When {@code username} was disabled, if it is. */
    synchronized Optional<Instant> disabledSince(String username) {
        return Optional.ofNullable(disabledAt().get(username));
    }

    private synchronized boolean isDisabled(String username) {
        return disabledAt().containsKey(username);
    }

    /** The enabled local users holding {@code role} (in any tenant; filter by tenant for tenant roles). */
    synchronized List<LocalUser> enabledWith(Role role) {
        return state.users.values().stream()
                .filter(user -> user.roles().contains(role) && !isDisabled(user.username()))
                .toList();
    }

    /** Disabled user names; absent from stores written before users could be disabled, so made on first use. */
    private Map<String, Instant> disabledAt() {
        if (state.disabledAt == null) {
            state.disabledAt = new HashMap<>();
        }
        return state.disabledAt;
    }

    /** The local users of {@code tenant}, by name. */
    synchronized List<LocalUser> list(String tenant) {
        return state.users.values().stream()
                .filter(user -> user.tenant().equals(tenant))
                .sorted(java.util.Comparator.comparing(LocalUser::username))
                .toList();
    }

    /** Removes every local user of {@code tenant}; how many there were. */
    synchronized int erase(String tenant) {
        int before = state.users.size();
        state.users.values().removeIf(user -> {
            boolean doomed = user.tenant().equals(tenant);
            if (doomed) {
                disabledAt().remove(user.username());
            }
            return doomed;
        });
        if (state.users.size() != before) {
            store.storeAll(List.of(state.users, state, disabledAt()));
        }
        return before - state.users.size();
    }

    /** Removes the local user whose subject is {@code subject} ({@code local:<username>}) in {@code tenant}. */
    synchronized boolean eraseUser(String tenant, String subject) {
        LocalUser user =
                subject.startsWith(SUBJECT_PREFIX) ? state.users.get(subject.substring(SUBJECT_PREFIX.length())) : null;
        if (user == null || !user.tenant().equals(tenant)) {
            return false;
        }
        state.users.remove(user.username());
        disabledAt().remove(user.username());
        store.storeAll(List.of(state.users, state, disabledAt()));
        return true;
    }

    /** Whether {@code tenant} has a local user whose subject is {@code subject}. */
    synchronized boolean exists(String tenant, String subject) {
        LocalUser user =
                subject.startsWith(SUBJECT_PREFIX) ? state.users.get(subject.substring(SUBJECT_PREFIX.length())) : null;
        return user != null && user.tenant().equals(tenant);
    }

    /** Whether local login is disabled by an admin at run time (the config can only disable it further). */
    synchronized boolean disabledAtRunTime() {
        return state.loginDisabled;
    }

    synchronized void disableAtRunTime(boolean disabled) {
        state.loginDisabled = disabled;
        store.store(state);
    }

    /** Persistent local users; replaced records, stored as a map. */
    static final class State {
        final Map<String, LocalUser> users = new HashMap<>();
        boolean loginDisabled;
        /** Disabled user names and since when. */
        Map<String, Instant> disabledAt = new HashMap<>();
    }
}
