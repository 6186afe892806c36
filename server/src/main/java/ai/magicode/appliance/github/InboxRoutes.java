package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/github/…}: the inbox's deliveries (the dead-letter list, one delivery's state, replay) and the
 * installation mirror with its tenant mapping. A tenant's admin sees what belongs to installations mapped to the
 * tenant; a superadmin sees everything, unmapped installations included.
 */
public final class InboxRoutes implements HttpService {
    private static final Pattern TENANT = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookInbox inbox;

    public InboxRoutes(WebhookInbox inbox) {
        this.inbox = inbox;
    }

    @Override
    public void routing(HttpRules rules) {
        Set<Role> admins = Set.of(Role.ADMIN, Role.SUPERADMIN);
        rules.get("/github/deliveries/dead", Access.roles(admins, this::dead))
                .get("/github/deliveries/{guid}", Access.roles(admins, this::delivery))
                .post("/github/deliveries/{guid}/replay", Access.roles(admins, this::replay))
                .get("/github/installations", Access.roles(admins, this::installations))
                .put("/github/installations/{id}/tenant", Access.roles(Set.of(Role.SUPERADMIN), this::mapTenant));
    }

    private void dead(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        res.send(Map.of(
                "deliveries",
                inbox.dead().stream()
                        .filter(d -> visible(caller, d))
                        .map(InboxRoutes::describe)
                        .toList()));
    }

    private void delivery(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        Delivery delivery = inbox.find(req.path().pathParameters().get("guid"))
                .filter(d -> visible(caller, d))
                .orElseThrow(() -> ApiException.notFound("There is no such delivery."));
        res.send(describe(delivery));
    }

    private void replay(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String guid = req.path().pathParameters().get("guid");
        Delivery found = inbox.find(guid)
                .filter(d -> visible(caller, d))
                .orElseThrow(() -> ApiException.notFound("There is no such delivery."));
        if (found.state() != Delivery.State.DEAD) {
            throw ApiException.conflict("Only a dead delivery can be replayed; this one is " + found.state() + ".");
        }
        Delivery replayed = inbox.replay(guid, actor(caller), RequestIds.of(req))
                .orElseThrow(() -> ApiException.conflict("The delivery is no longer dead."));
        res.send(describe(replayed));
    }

    private void installations(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        Installations mirror = inbox.installations();
        List<Map<String, Object>> installations = mirror.list().stream()
                .filter(i -> caller.has(Role.SUPERADMIN) || i.tenant().equals(caller.tenant()))
                .map(i -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", i.id());
                    row.put("account", i.account());
                    row.put("tenant", i.tenant());
                    row.put("suspended", i.suspended());
                    row.put("removed", i.removed());
                    row.put("updatedAt", i.updatedAt().toString());
                    row.put(
                            "repositories",
                            mirror.repositories().stream()
                                    .filter(r -> r.installationId() == i.id())
                                    .map(r -> Map.of(
                                            "id", r.id(),
                                            "fullName", r.fullName(),
                                            "deliveriesProcessed", r.deliveriesProcessed(),
                                            "lastDelivery", r.lastDelivery()))
                                    .toList());
                    return row;
                })
                .toList();
        res.send(Map.of("installations", installations));
    }

    private void mapTenant(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        long id;
        try {
            id = Long.parseLong(req.path().pathParameters().get("id"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("The installation id must be a number.");
        }
        if (id <= 0) {
            throw ApiException.badRequest("The installation id must be positive.");
        }
        JsonNode tenant;
        try {
            tenant = JSON.readTree(req.content().as(byte[].class)).path("tenant");
        } catch (IOException | RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
        String name = tenant.isTextual() ? tenant.asText() : "-";
        if (!(name.isEmpty() || TENANT.matcher(name).matches())) {
            throw ApiException.badRequest("The field tenant must be a tenant name, or empty to unmap.");
        }
        Installations.Installation mapped = inbox.mapInstallation(id, name, actor(caller), RequestIds.of(req));
        res.send(Map.of("id", mapped.id(), "account", mapped.account(), "tenant", mapped.tenant()));
    }

    private boolean visible(Caller caller, Delivery delivery) {
        if (caller.has(Role.SUPERADMIN)) {
            return true;
        }
        return delivery.installation().isPresent()
                && inbox.installations()
                        .tenantOf(delivery.installation().getAsLong())
                        .filter(caller.tenant()::equals)
                        .isPresent();
    }

    private static Actor actor(Caller caller) {
        return caller.kind() == Caller.Kind.API_TOKEN ? Actor.apiToken(caller.subject()) : Actor.user(caller.subject());
    }

    private static Map<String, Object> describe(Delivery delivery) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("guid", delivery.guid());
        row.put("event", delivery.event());
        row.put("repository", delivery.repository());
        row.put("installation", delivery.installationId());
        row.put("state", delivery.state().name().toLowerCase(java.util.Locale.ROOT));
        row.put("attempts", delivery.attempts());
        row.put("problem", delivery.problem());
        row.put("receivedAt", delivery.receivedAt().toString());
        row.put("updatedAt", delivery.updatedAt().toString());
        return row;
    }
}
