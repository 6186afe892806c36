package ai.magicode.appliance.auth;

import ai.magicode.appliance.config.AuthConfig;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/users} (admins and superadmins): who can sign in to the caller's tenant and with which roles — the
 * local (break-glass) users with their roles, and how single sign-on users get theirs (the provider, the claims read
 * and which provider roles or groups grant each appliance role). SSO users are not stored: their roles come from the
 * provider's token at every request.
 */
final class UserRoutes implements HttpService {
    private final LocalUsers localUsers;
    private final AuthConfig config;

    UserRoutes(LocalUsers localUsers, AuthConfig config) {
        this.localUsers = localUsers;
        this.config = config;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/users", Access.roles(Set.of(Role.ADMIN, Role.SUPERADMIN), this::list));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        List<Map<String, Object>> users = new ArrayList<>();
        for (LocalUsers.LocalUser user : localUsers.list(caller.tenant())) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("username", user.username());
            row.put("tenant", user.tenant());
            row.put(
                    "roles",
                    user.roles().stream()
                            .map(r -> r.name().toLowerCase(Locale.ROOT))
                            .sorted()
                            .toList());
            row.put("createdAt", user.createdAt().toString());
            users.add(row);
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
        body.put("tenant", caller.tenant());
        body.put("localUsers", users);
        body.put("localLoginEnabled", config.localLogin() && !localUsers.disabledAtRunTime());
        body.put("sso", sso);
        res.send(body);
    }
}
