package ai.magicode.appliance.tickets;

import ai.magicode.appliance.audit.Actor;
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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/tickets/connections}: a tenant admin's Jira and Linear connections (list, create, read, replace,
 * delete). Credentials and webhook secrets are write-only: they go to the vault and only their names come back.
 */
public final class TicketRoutes implements HttpService {
    private static final Set<Role> ADMINS = Set.of(Role.ADMIN);
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_]{0,30}");
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final int MAX_TEXT = 200;

    private final Connections connections;
    private final Supplier<URI> publicUrl;

    /** @param publicUrl the appliance's public address, to show each connection's webhook URL */
    public TicketRoutes(Connections connections, Supplier<URI> publicUrl) {
        this.connections = connections;
        this.publicUrl = publicUrl;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/tickets/connections", Access.roles(ADMINS, this::list))
                .post("/tickets/connections", Access.roles(ADMINS, this::create))
                .get("/tickets/connections/{id}", Access.roles(ADMINS, this::get))
                .put("/tickets/connections/{id}", Access.roles(ADMINS, this::replace))
                .delete("/tickets/connections/{id}", Access.roles(ADMINS, this::delete));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        res.send(Map.of(
                "connections",
                connections.list(caller.tenant()).stream().map(this::view).toList()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Map<?, ?> body = jsonObject(req);
        Connection.Kind kind = Connection.Kind.of(text(body, "kind", true));
        if (kind == null) {
            throw ApiException.badRequest("kind must be jira-cloud, jira-data-center or linear.");
        }
        Connection draft = draft(body, kind);
        byte[] token = credentials(body, kind)
                .orElseThrow(() -> ApiException.badRequest(
                        kind == Connection.Kind.JIRA_CLOUD ? "email and token are required." : "token is required."));
        byte[] secret = secret(body).orElseThrow(() -> ApiException.badRequest("webhookSecret is required."));
        try {
            Connection created =
                    connections.create(caller.tenant(), draft, token, secret, Actor.of(caller), RequestIds.of(req));
            res.status(Status.CREATED_201).send(view(created));
        } finally {
            Arrays.fill(token, (byte) 0);
            Arrays.fill(secret, (byte) 0);
        }
    }

    private void get(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        res.send(view(found(caller, req)));
    }

    private void replace(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Connection existing = found(caller, req);
        Map<?, ?> body = jsonObject(req);
        Connection draft = draft(body, existing.kind());
        Optional<byte[]> token = credentials(body, existing.kind());
        Optional<byte[]> secret = secret(body);
        try {
            Connection updated = connections
                    .update(caller.tenant(), existing.id(), draft, token, secret, Actor.of(caller), RequestIds.of(req))
                    .orElseThrow(() -> ApiException.notFound("There is no such ticket connection."));
            res.send(view(updated));
        } finally {
            token.ifPresent(t -> Arrays.fill(t, (byte) 0));
            secret.ifPresent(s -> Arrays.fill(s, (byte) 0));
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Connection existing = found(caller, req);
        connections.delete(caller.tenant(), existing.id(), Actor.of(caller), RequestIds.of(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private Connection found(Caller caller, ServerRequest req) {
        return connections
                .find(caller.tenant(), req.path().pathParameters().get("id"))
                .orElseThrow(() -> ApiException.notFound("There is no such ticket connection."));
    }

    private Map<String, Object> view(Connection connection) {
        Map<String, Object> out = Tickets.exported(connection);
        out.put(
                "webhookUrl",
                publicUrl.get().toString().replaceAll("/+$", "") + "/webhooks/"
                        + (connection.kind().jira() ? "jira/" : "linear/") + connection.id());
        return out;
    }

    /** The settings of a create or replace body, validated (400 names the field). */
    private static Connection draft(Map<?, ?> body, Connection.Kind kind) {
        String baseUrl = text(body, "baseUrl", kind != Connection.Kind.LINEAR);
        if (baseUrl.isEmpty()) {
            baseUrl = "https://api.linear.app";
        }
        URI uri;
        try {
            uri = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("baseUrl is not a URL.");
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
            throw ApiException.badRequest("baseUrl must be an http or https URL.");
        }
        if (!(body.get("repositories") instanceof Map<?, ?> repositories) || repositories.isEmpty()) {
            throw ApiException.badRequest(
                    "repositories must map project or team keys to GitHub repositories (owner/name).");
        }
        Map<String, String> mapped = new LinkedHashMap<>();
        repositories.forEach((key, value) -> {
            if (!KEY.matcher(String.valueOf(key)).matches()
                    || !(value instanceof String repo)
                    || !REPOSITORY.matcher(repo).matches()) {
                throw ApiException.badRequest("repositories: `" + limit(String.valueOf(key))
                        + "` must be a project or team key mapped to owner/name.");
            }
            mapped.put(String.valueOf(key), repo);
        });
        String label = text(body, "triggerLabel", false);
        return new Connection(
                "",
                "",
                text(body, "name", false),
                kind,
                baseUrl,
                mapped,
                label.isEmpty() ? "magicode" : label,
                text(body, "botAccount", false),
                text(body, "openedStatus", false),
                text(body, "mergedStatus", false),
                Instant.EPOCH);
    }

    /** Jira Cloud's {@code email:token}, else the {@code token}; empty when the body gives none. */
    private static Optional<byte[]> credentials(Map<?, ?> body, Connection.Kind kind) {
        String token = text(body, "token", false, 4096);
        if (token.isEmpty()) {
            return Optional.empty();
        }
        if (kind != Connection.Kind.JIRA_CLOUD) {
            return Optional.of(token.getBytes(StandardCharsets.UTF_8));
        }
        String email = text(body, "email", false);
        if (email.isEmpty() || !email.contains("@")) {
            throw ApiException.badRequest("email (the Jira account the API token belongs to) is required with token.");
        }
        return Optional.of((email + ":" + token).getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<byte[]> secret(Map<?, ?> body) {
        String secret = text(body, "webhookSecret", false, 4096);
        return secret.isEmpty() ? Optional.empty() : Optional.of(secret.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Map<?, ?> body, String field, boolean required) {
        return text(body, field, required, MAX_TEXT);
    }

    private static String text(Map<?, ?> body, String field, boolean required, int max) {
        Object value = body.get(field);
        if (value == null) {
            if (required) {
                throw ApiException.badRequest(field + " is required.");
            }
            return "";
        }
        if (!(value instanceof String text)
                || text.length() > max
                || text.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest(field + " must be a string of at most " + max + " characters.");
        }
        return text.strip();
    }

    private static String limit(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    private static Map<?, ?> jsonObject(ServerRequest req) {
        try {
            Map<?, ?> body = req.content().as(Map.class);
            if (body == null) {
                throw ApiException.badRequest("The body must be a JSON object.");
            }
            return body;
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
    }

    private static Caller caller(ServerRequest req) {
        return Caller.of(req).orElseThrow(() -> new IllegalStateException("Access let an anonymous caller through"));
    }
}
