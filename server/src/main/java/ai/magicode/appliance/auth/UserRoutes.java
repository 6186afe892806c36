package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.AuthConfig;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/users} (admins and superadmins): who can sign in to the caller's tenant and with which roles, and the
 * local (break-glass) users managed — created with a password, their roles changed, disabled and enabled again. Users
 * are deleted through the privacy feature ({@code DELETE /api/v1/users/{id}}), which asks {@link #refusal} first. SSO
 * users are not stored: their roles come from the provider's token at every request, so the answer shows the mapping.
 *
 * <p>Two rules hold for every change: an admin grants only tenant roles (superadmin only by a superadmin, who alone
 * changes a superadmin's account), and nobody removes the last enabled local admin of a tenant (or the last local
 * superadmin) by changing, disabling or deleting themselves.
 */
final class UserRoutes implements HttpService {
    static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    static final int MIN_PASSWORD = 12;

    private final LocalUsers localUsers;
    private final Sessions sessions;
    private final ApiTokens apiTokens;
    private final Tenants tenants;
    private final AuthConfig config;
    private final Consumer<AuditEvent> audit;

    UserRoutes(
            LocalUsers localUsers,
            Sessions sessions,
            ApiTokens apiTokens,
            Tenants tenants,
            AuthConfig config,
            Consumer<AuditEvent> audit) {
        this.localUsers = localUsers;
        this.sessions = sessions;
        this.apiTokens = apiTokens;
        this.tenants = tenants;
        this.config = config;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        Set<Role> admins = Set.of(Role.ADMIN, Role.SUPERADMIN);
        rules.get("/users", Access.roles(admins, this::list))
                .post("/users", Access.roles(admins, this::create))
                .put("/users/{id}/roles", Access.roles(admins, this::setRoles))
                .post("/users/{id}/disable", Access.roles(admins, (req, res) -> setDisabled(req, res, true)))
                .post("/users/{id}/enable", Access.roles(admins, (req, res) -> setDisabled(req, res, false)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String tenant = tenant(req, caller);
        List<Map<String, Object>> users = new ArrayList<>();
        for (LocalUsers.LocalUser user : localUsers.list(tenant)) {
            users.add(describe(user));
        }
        Map<String, Object> sso = new LinkedHashMap<>();
        sso.put("configured", config.issuer().isPresent());
        sso.put("issuer", config.issuer().map(Object::toString).orElse(""));
        sso.put("tenantClaim", config.tenantClaim());
        sso.put("rolesClaim", config.rolesClaim());
        Map<String, Object> mapping = new TreeMap<>();
        config.roles().forEach((role, names) -> mapping.put(role, new TreeSet<>(names)));
        sso.put("roles", mapping);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenant", tenant);
        body.put("you", caller.subject());
        body.put("grantable", grantable(caller).stream().map(RoleNames::name).toList());
        body.put("localUsers", users);
        body.put("localLoginEnabled", config.localLogin() && !localUsers.disabledAtRunTime());
        body.put("sso", sso);
        res.send(body);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        requirePerson(caller);
        String tenant = tenant(req, caller);
        if (tenant.equals(AuditEvent.PLATFORM)) {
            throw ApiException.badRequest("Local users belong to a tenant: name it with ?tenant=.");
        }
        JsonBody body = JsonBody.of(req);
        String username = body.string("username");
        String password = body.string("password");
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("A username is 1 to 64 letters, digits and . _ @ -.");
        }
        if (password.length() < MIN_PASSWORD) {
            throw ApiException.badRequest("The password needs at least " + MIN_PASSWORD + " characters.");
        }
        Set<Role> roles = roles(body, caller);
        if (localUsers.nameTaken(username)) {
            throw ApiException.conflict("A local user named " + username + " exists.");
        }
        localUsers.create(username, tenant, roles, password.toCharArray());
        String subject = LocalUsers.SUBJECT_PREFIX + username;
        audit.accept(event(req, caller, "auth.user.create", subject, tenant)
                .field("roles", RoleNames.join(roles))
                .success());
        res.status(Status.CREATED_201)
                .send(describe(localUsers.find(tenant, subject).orElseThrow()));
    }

    private void setRoles(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        requirePerson(caller);
        String tenant = tenant(req, caller);
        LocalUsers.LocalUser user = target(req, caller, tenant);
        Set<Role> roles = roles(JsonBody.of(req), caller);
        Set<Role> lost = EnumSet.noneOf(Role.class);
        lost.addAll(user.roles());
        lost.removeAll(roles);
        requireNotLast(caller, user, lost);
        LocalUsers.LocalUser changed = localUsers.setRoles(user.username(), roles);
        String subject = LocalUsers.SUBJECT_PREFIX + user.username();
        // Sessions carry the roles they signed in with; the user's tokens keep only scopes the user still holds.
        int sessionsEnded = sessions.endAll(tenant, subject);
        int tokensRevoked = revokeTokens(tenant, subject, token -> !roles.containsAll(token.scopes()));
        audit.accept(event(req, caller, "auth.user.roles", subject, tenant)
                .field("from", user.roleNames())
                .field("to", changed.roleNames())
                .field("sessionsEnded", sessionsEnded)
                .field("tokensRevoked", tokensRevoked)
                .success());
        res.send(describe(changed));
    }

    private void setDisabled(ServerRequest req, ServerResponse res, boolean disabled) {
        Caller caller = Caller.of(req).orElseThrow();
        requirePerson(caller);
        String tenant = tenant(req, caller);
        LocalUsers.LocalUser user = target(req, caller, tenant);
        String subject = LocalUsers.SUBJECT_PREFIX + user.username();
        AuditEvent.Builder event =
                event(req, caller, disabled ? "auth.user.disable" : "auth.user.enable", subject, tenant);
        if (disabled) {
            requireNotLast(caller, user, user.roles());
            localUsers.setDisabled(user.username(), true);
            event.field("sessionsEnded", sessions.endAll(tenant, subject))
                    .field("tokensRevoked", revokeTokens(tenant, subject, token -> true));
        } else {
            localUsers.setDisabled(user.username(), false);
        }
        audit.accept(event.success());
        res.send(describe(user));
    }

    /**
     * Refuses the deletion of {@code user} of {@code tenant} by {@code caller} when it breaks a rule: an admin
     * deleting a superadmin's account, or the last enabled local admin (or superadmin) deleting themselves. Users
     * identity does not store (SSO subjects) have nothing to refuse.
     */
    void requireRemovable(Caller caller, String tenant, String user) {
        localUsers.find(tenant, user).ifPresent(found -> {
            requireMayChange(caller, found);
            requireNotLast(caller, found, found.roles());
        });
    }

    /** The caller's tenant; a superadmin may name another one ({@code ?tenant=}). */
    private String tenant(ServerRequest req, Caller caller) {
        String tenant = req.query()
                .first("tenant")
                .asOptional()
                .filter(t -> !t.isBlank())
                .orElse(caller.tenant());
        if (tenant.equals(caller.tenant())) {
            return tenant;
        }
        if (!caller.has(Role.SUPERADMIN)) {
            throw new ApiException(403, "Forbidden", "An admin manages the users of their own tenant only.");
        }
        if (tenants.find(tenant).isEmpty()) {
            throw ApiException.notFound("There is no such tenant.");
        }
        return tenant;
    }

    /** API tokens stand for a person or a service; accounts are changed by people (as tokens cannot make tokens). */
    private static void requirePerson(Caller caller) {
        if (caller.kind() == Caller.Kind.API_TOKEN) {
            throw new ApiException(403, "Forbidden", "API tokens cannot create or change users.");
        }
    }

    private LocalUsers.LocalUser target(ServerRequest req, Caller caller, String tenant) {
        String id = req.path().pathParameters().get("id");
        LocalUsers.LocalUser user =
                localUsers.find(tenant, id).orElseThrow(() -> ApiException.notFound("There is no such local user."));
        requireMayChange(caller, user);
        return user;
    }

    private static void requireMayChange(Caller caller, LocalUsers.LocalUser user) {
        if (user.roles().contains(Role.SUPERADMIN) && !caller.has(Role.SUPERADMIN)) {
            throw new ApiException(403, "Forbidden", "Only a superadmin changes a superadmin's account.");
        }
    }

    /** Refuses a change of the caller's own account that leaves no enabled local user with a role it loses. */
    private void requireNotLast(Caller caller, LocalUsers.LocalUser user, Set<Role> lost) {
        if (!caller.subject().equals(LocalUsers.SUBJECT_PREFIX + user.username())) {
            return;
        }
        for (Role role : List.of(Role.ADMIN, Role.SUPERADMIN)) {
            if (!lost.contains(role)) {
                continue;
            }
            boolean another = localUsers.enabledWith(role).stream()
                    .anyMatch(other -> !other.username().equals(user.username())
                            && (role == Role.SUPERADMIN || other.tenant().equals(user.tenant())));
            if (!another) {
                throw ApiException.conflict("You are the last "
                        + RoleNames.name(role)
                        + (role == Role.ADMIN ? " of " + user.tenant() : "")
                        + ": give another local user the role first.");
            }
        }
    }

    private Set<Role> roles(JsonBody body, Caller caller) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        try {
            body.strings("roles")
                    .orElseThrow(() -> ApiException.badRequest("The field roles is required."))
                    .forEach(name -> roles.add(RoleNames.role(name)));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Roles are superadmin, admin, operator, auditor, member.");
        }
        if (roles.isEmpty()) {
            throw ApiException.badRequest("A user needs at least one role.");
        }
        if (!grantable(caller).containsAll(roles)) {
            throw new ApiException(403, "Forbidden", "Only a superadmin grants superadmin.");
        }
        return roles;
    }

    /** Tenant roles for an admin; a superadmin also grants superadmin. */
    static Set<Role> grantable(Caller caller) {
        Set<Role> roles = EnumSet.of(Role.ADMIN, Role.OPERATOR, Role.AUDITOR, Role.MEMBER);
        if (caller.has(Role.SUPERADMIN)) {
            roles.add(Role.SUPERADMIN);
        }
        return roles;
    }

    private int revokeTokens(String tenant, String owner, java.util.function.Predicate<ApiTokens.ApiToken> doomed) {
        int revoked = 0;
        for (ApiTokens.ApiToken token : apiTokens.list(tenant)) {
            if (token.owner().equals(owner) && token.revokedAt() == null && doomed.test(token)) {
                apiTokens.revoke(token.id());
                revoked++;
            }
        }
        return revoked;
    }

    private Map<String, Object> describe(LocalUsers.LocalUser user) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", LocalUsers.SUBJECT_PREFIX + user.username());
        row.put("username", user.username());
        row.put("tenant", user.tenant());
        row.put(
                "roles",
                user.roles().stream()
                        .map(r -> r.name().toLowerCase(Locale.ROOT))
                        .sorted()
                        .toList());
        row.put("createdAt", user.createdAt().toString());
        row.put("enabled", localUsers.disabledSince(user.username()).isEmpty());
        return row;
    }

    private static AuditEvent.Builder event(
            ServerRequest req, Caller caller, String action, String subject, String tenant) {
        return AuditEvent.of(action, subject)
                .tenant(tenant)
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req));
    }
}
