package ai.magicode.appliance.privacy;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * {@code /api/v1/privacy/*}, {@code DELETE /api/v1/tenants/{name}} and {@code DELETE /api/v1/users/{id}}: the data
 * inventory, tenant exports with their one-time download, a signed-in user's own exports, retention settings, tenant
 * deletion and user deletion.
 */
public final class PrivacyRoutes implements HttpService {
    private final DataInventory inventory;
    private final Exports exports;
    private final Retention retention;
    private final TenantDeletions deletions;
    private final Predicate<String> tenantExists;
    private final UserDeletions users;
    private final BiPredicate<String, String> userKnown;
    private final UserCheck removable;

    /** Refuses a user's deletion that identity's rules forbid (throws an {@code ApiException}). */
    @FunctionalInterface
    public interface UserCheck {
        /** Throws when {@code caller} may not delete {@code user} of {@code tenant}. */
        void require(Caller caller, String tenant, String user);
    }

    /**
     * @param tenantExists whether a tenant of that name exists (identity)
     * @param users deletes users
     * @param userKnown whether identity knows a user (tenant, user id)
     * @param removable refuses deletions identity forbids (the last admin removing themselves, say)
     */
    public PrivacyRoutes(
            DataInventory inventory,
            Exports exports,
            Retention retention,
            TenantDeletions deletions,
            Predicate<String> tenantExists,
            UserDeletions users,
            BiPredicate<String, String> userKnown,
            UserCheck removable) {
        this.removable = removable;
        this.users = users;
        this.userKnown = userKnown;
        this.inventory = inventory;
        this.exports = exports;
        this.retention = retention;
        this.deletions = deletions;
        this.tenantExists = tenantExists;
    }

    @Override
    public void routing(HttpRules rules) {
        Set<Role> admin = Set.of(Role.ADMIN);
        Set<Role> superadmin = Set.of(Role.SUPERADMIN);
        rules.get("/privacy/inventory", Access.authenticated(this::inventory))
                .post("/privacy/exports", Access.roles(admin, this::requestExport))
                .get("/privacy/exports", Access.roles(admin, this::listExports))
                .get("/privacy/exports/{id}", Access.roles(admin, this::export))
                // Open: the one-time token in the link is the credential, so the link works from a plain download.
                .get("/privacy/exports/{id}/download", Access.open(this::download))
                // A user's own data: any signed-in user, for themself only (the download too needs that user signed
                // in).
                .post("/privacy/me/exports", Access.authenticated(this::requestOwnExport))
                .get("/privacy/me/exports", Access.authenticated(this::listOwnExports))
                .get("/privacy/me/exports/{id}", Access.authenticated(this::ownExport))
                .get("/privacy/me/exports/{id}/download", Access.authenticated(this::downloadOwn))
                .get("/privacy/retention", Access.roles(admin, this::retention))
                .put("/privacy/retention", Access.roles(admin, this::updateRetention))
                .delete("/tenants/{name}", Access.roles(superadmin, this::deleteTenant))
                .get("/privacy/deletions/{name}", Access.roles(superadmin, this::deletion))
                .delete("/users/{id}", Access.roles(Set.of(Role.ADMIN, Role.SUPERADMIN), this::deleteUser));
    }

    private void inventory(ServerRequest req, ServerResponse res) {
        res.send(Map.of("kinds", inventory.describe()));
    }

    private void requestExport(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        if (deletions.pending(caller.tenant())) {
            throw ApiException.conflict("The tenant is being deleted.");
        }
        Exports.Created created = exports.request(caller.tenant(), Actor.of(caller), RequestIds.of(req));
        Map<String, Object> body = describe(created.export());
        body.put("downloadToken", created.token());
        body.put(
                "downloadPath",
                "/api/v1/privacy/exports/" + created.export().id() + "/download?token=" + created.token());
        res.status(Status.ACCEPTED_202).send(body);
    }

    private void listExports(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        res.send(Map.of(
                "exports",
                exports.list(caller.tenant()).stream()
                        .map(PrivacyRoutes::describe)
                        .toList()));
    }

    private void export(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String id = req.path().pathParameters().get("id");
        Exports.Export export =
                exports.find(caller.tenant(), id).orElseThrow(() -> ApiException.notFound("There is no such export."));
        res.send(describe(export));
    }

    private void download(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        String token = req.query().first("token").orElse(null);
        Path file = exports.download(id, token, RequestIds.of(req))
                .orElseThrow(() -> ApiException.notFound(
                        "No export can be downloaded with this link: it is unknown, used, expired or not ready."));
        send(file, id, res);
    }

    private static void send(Path file, String id, ServerResponse res) {
        res.headers().set(HeaderNames.CONTENT_TYPE, "application/zip");
        res.headers().set(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"magicode-export-" + id + ".zip\"");
        try (OutputStream out = res.outputStream()) {
            Files.copy(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException("export download interrupted", e);
        }
    }

    private void requestOwnExport(ServerRequest req, ServerResponse res) {
        Caller caller = user(req);
        if (deletions.pending(caller.tenant())) {
            throw ApiException.conflict("The tenant is being deleted.");
        }
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("user", caller.subject());
        profile.put("tenant", caller.tenant());
        profile.put("localUser", caller.subject().startsWith("local:"));
        profile.put(
                "roles",
                caller.roles().stream()
                        .map(role -> role.name().toLowerCase(java.util.Locale.ROOT))
                        .sorted()
                        .toList());
        Exports.Created created = exports.requestForUser(
                caller.tenant(), caller.subject(), profile, Actor.of(caller), RequestIds.of(req));
        Map<String, Object> body = describe(created.export());
        body.put("downloadToken", created.token());
        body.put(
                "downloadPath",
                "/api/v1/privacy/me/exports/" + created.export().id() + "/download?token=" + created.token());
        res.status(Status.ACCEPTED_202).send(body);
    }

    private void listOwnExports(ServerRequest req, ServerResponse res) {
        Caller caller = user(req);
        res.send(Map.of(
                "exports",
                exports.listForUser(caller.tenant(), caller.subject()).stream()
                        .map(PrivacyRoutes::describe)
                        .toList()));
    }

    private void ownExport(ServerRequest req, ServerResponse res) {
        Caller caller = user(req);
        String id = req.path().pathParameters().get("id");
        Exports.Export export = exports.findForUser(caller.tenant(), caller.subject(), id)
                .orElseThrow(() -> ApiException.notFound("You have no such export."));
        res.send(describe(export));
    }

    private void downloadOwn(ServerRequest req, ServerResponse res) {
        Caller caller = user(req);
        String id = req.path().pathParameters().get("id");
        String token = req.query().first("token").orElse(null);
        Path file = exports.downloadForUser(caller.tenant(), caller.subject(), id, token, RequestIds.of(req))
                .orElseThrow(() -> ApiException.notFound(
                        "You cannot download an export with this link: it is not yours, unknown, used, expired or not"
                                + " ready."));
        send(file, id, res);
    }

    /** The caller of a user's own export: a signed-in user, not an API token (a token has no data of its own). */
    private static Caller user(ServerRequest req) {
        Caller caller = Caller.of(req).orElseThrow();
        if (caller.kind() != Caller.Kind.USER) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    "A user's own export is for a signed-in user; an API token's tenant data is in the tenant export.");
        }
        return caller;
    }

    private void retention(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        res.send(describe(retention.settings(caller.tenant())));
    }

    private void updateRetention(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        Map<?, ?> body;
        try {
            body = req.content().as(Map.class);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
        if (body == null) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
        Retention.Settings current = retention.settings(caller.tenant());
        Retention.Settings settings;
        try {
            settings = new Retention.Settings(
                    integer(body, "exportHours", current.exportHours()),
                    integer(body, "usageDays", current.usageDays()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() + ".");
        }
        retention.update(caller.tenant(), settings, Actor.of(caller), RequestIds.of(req));
        res.send(describe(settings));
    }

    private void deleteTenant(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String name = req.path().pathParameters().get("name");
        if (name.equals(caller.tenant())) {
            throw ApiException.conflict("You cannot delete the tenant you are signed in to.");
        }
        if (!tenantExists.test(name) && !deletions.pending(name)) {
            throw ApiException.notFound("There is no such tenant.");
        }
        TenantDeletions.Status status = deletions.request(name, Actor.of(caller), RequestIds.of(req));
        res.status(Status.ACCEPTED_202).send(describe(status));
    }

    private void deleteUser(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String user = req.path().pathParameters().get("id");
        if (user.isBlank() || user.length() > 256 || user.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("A user id is 1 to 256 printable characters, such as local:alice.");
        }
        String tenant = req.query()
                .first("tenant")
                .asOptional()
                .filter(t -> !t.isBlank())
                .orElse(caller.tenant());
        if (!caller.has(Role.SUPERADMIN) && !tenant.equals(caller.tenant())) {
            throw new ApiException(403, "Forbidden", "An admin deletes the users of their own tenant only.");
        }
        if (!tenantExists.test(tenant)) {
            throw ApiException.notFound("There is no such tenant.");
        }
        if (deletions.pending(tenant)) {
            throw ApiException.conflict("The tenant is being deleted.");
        }
        removable.require(caller, tenant, user);
        boolean known = userKnown.test(tenant, user);
        UserDeletions.Result result = users.delete(tenant, user, Actor.of(caller), RequestIds.of(req));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", result.user());
        body.put("tenant", result.tenant());
        body.put("known", known);
        body.put("kinds", result.kinds());
        res.send(body);
    }

    private void deletion(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        TenantDeletions.Status status = deletions
                .status(name)
                .orElseThrow(
                        () -> ApiException.notFound("No deletion of this tenant ran since the appliance started."));
        res.send(describe(status));
    }

    private static int integer(Map<?, ?> body, String field, int otherwise) {
        Object value = body.get(field);
        if (value == null) {
            return otherwise;
        }
        if (!(value instanceof Integer number)) {
            throw ApiException.badRequest(field + " must be a whole number.");
        }
        return number;
    }

    private static Map<String, Object> describe(Exports.Export export) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", export.id());
        body.put("state", export.state().name().toLowerCase(java.util.Locale.ROOT));
        body.put("kindsDone", export.kindsDone());
        body.put("kinds", export.kinds());
        body.put("bytes", export.bytes());
        body.put("createdAt", export.createdAt().toString());
        body.put("expiresAt", export.expiresAt().toString());
        return body;
    }

    private static Map<String, Object> describe(Retention.Settings settings) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("exportHours", settings.exportHours());
        body.put("usageDays", settings.usageDays());
        body.put("workspaces", "deleted when their job ends, and swept at every start");
        body.put(
                "audit",
                "platform-wide: audit.retention.max-age and audit.retention.max-mb (whole segments, behind a signed anchor)");
        return body;
    }

    private static Map<String, Object> describe(TenantDeletions.Status status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tenant", status.tenant());
        body.put("state", status.state().name().toLowerCase(java.util.Locale.ROOT));
        body.put("kindsErased", status.kindsErased());
        body.put("kinds", status.kinds());
        status.error().ifPresent(error -> body.put("error", error));
        return body;
    }
}
