package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
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
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** {@code /api/v1/tenants}: the superadmin lists, creates, disables and enables tenants. */
final class TenantRoutes implements HttpService {
    private final Tenants tenants;
    private final Consumer<AuditEvent> audit;

    TenantRoutes(Tenants tenants, Consumer<AuditEvent> audit) {
        this.tenants = tenants;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        Set<Role> superadmin = Set.of(Role.SUPERADMIN);
        rules.get("/tenants", Access.roles(superadmin, this::list))
                .post("/tenants", Access.roles(superadmin, this::create))
                .post("/tenants/{name}/disable", Access.roles(superadmin, (req, res) -> setEnabled(req, res, false)))
                .post("/tenants/{name}/enable", Access.roles(superadmin, (req, res) -> setEnabled(req, res, true)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        res.send(Map.of(
                "tenants", tenants.list().stream().map(TenantRoutes::describe).toList()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        String name = JsonBody.of(req).string("name");
        Tenants.Tenant tenant;
        try {
            tenant = tenants.create(name)
                    .orElseThrow(() -> ApiException.conflict("A tenant named " + name + " exists."));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("A tenant name is 1 to 63 lower-case letters, digits and inner dashes.");
        }
        record(req, "auth.tenant.create", name);
        res.status(Status.CREATED_201).send(describe(tenant));
    }

    private void setEnabled(ServerRequest req, ServerResponse res, boolean enabled) {
        String name = req.path().pathParameters().get("name");
        Tenants.Tenant tenant =
                tenants.setEnabled(name, enabled).orElseThrow(() -> ApiException.notFound("There is no such tenant."));
        record(req, enabled ? "auth.tenant.enable" : "auth.tenant.disable", name);
        res.send(describe(tenant));
    }

    private void record(ServerRequest req, String action, String tenant) {
        Caller caller = Caller.of(req).orElseThrow();
        // The tenant's own entry (not a platform one): sealed under its audit key, so that its deletion erases it.
        audit.accept(AuditEvent.of(action, tenant)
                .tenant(tenant)
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .success());
    }

    private static Map<String, Object> describe(Tenants.Tenant tenant) {
        return Map.of(
                "name",
                tenant.name(),
                "enabled",
                tenant.enabled(),
                "createdAt",
                tenant.createdAt().toString());
    }
}
