package ai.magicode.appliance.tickets;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.RequestIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code POST /webhooks/jira/{connection}} and {@code POST /webhooks/linear/{connection}}: open to anyone, because the
 * signature under the connection's webhook secret authenticates the delivery. A bad or missing signature (or a stale
 * Linear timestamp) is refused with 401 and nothing is stored; a good one is stored (its id and the ticket's key)
 * before the 202, and a redelivery of a known id gets 200 and is not processed again.
 */
public final class TicketWebhookRoutes implements HttpService {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_]{0,30}-[0-9]{1,12}");

    private final Tickets tickets;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;

    public TicketWebhookRoutes(Tickets tickets, Consumer<AuditEvent> audit, Clock clock) {
        this.tickets = tickets;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/jira/{connection}", Access.open(this::jira))
                .post("/linear/{connection}", Access.open(this::linear));
    }

    private void jira(ServerRequest req, ServerResponse res) {
        Connection connection = connection(req, true);
        byte[] body = body(req);
        String signature =
                req.headers().first(HeaderNames.create("X-Hub-Signature")).orElse(null);
        if (!verified(connection, body, secret -> TicketSignatures.verifyJira(secret, body, signature))) {
            throw refused(req, connection, "bad signature");
        }
        JsonNode root = json(body);
        String key = root.path("issue").path("key").asText("");
        String delivery = req.headers()
                .first(HeaderNames.create("X-Atlassian-Webhook-Identifier"))
                .filter(id -> ID.matcher(id).matches())
                .orElseGet(() -> digest(body));
        answer(res, connection, delivery, key);
    }

    private void linear(ServerRequest req, ServerResponse res) {
        Connection connection = connection(req, false);
        byte[] body = body(req);
        String signature =
                req.headers().first(HeaderNames.create("Linear-Signature")).orElse(null);
        if (!verified(connection, body, secret -> TicketSignatures.verifyLinear(secret, body, signature))) {
            throw refused(req, connection, "bad signature");
        }
        JsonNode root = json(body);
        if (!TicketSignatures.fresh(
                root.path("webhookTimestamp").asLong(0),
                clock.instant(),
                tickets.config().linearTimestampTolerance())) {
            throw refused(req, connection, "stale webhookTimestamp");
        }
        String key = root.path("type").asText().equals("Issue")
                ? root.path("data").path("identifier").asText("")
                : "";
        String delivery = req.headers()
                .first(HeaderNames.create("Linear-Delivery"))
                .filter(id -> ID.matcher(id).matches())
                .orElseGet(() -> digest(body));
        answer(res, connection, delivery, key);
    }

    private void answer(ServerResponse res, Connection connection, String delivery, String key) {
        if (!KEY.matcher(key).matches()) {
            // Signed, but not about an issue (a comment, a project…): acknowledged, nothing stored.
            res.status(Status.ACCEPTED_202).send(Map.of("delivery", delivery, "status", "ignored"));
            return;
        }
        Tickets.Receipt receipt = tickets.receive(connection, delivery, key, "webhook");
        switch (receipt) {
            case ACCEPTED -> res.status(Status.ACCEPTED_202).send(Map.of("delivery", delivery, "status", "accepted"));
            case DUPLICATE -> res.status(Status.OK_200).send(Map.of("delivery", delivery, "status", "duplicate"));
        }
    }

    /** The connection the path names, of the right tracker; an unknown one is 404 (before the body is read). */
    private Connection connection(ServerRequest req, boolean jira) {
        String id = req.path().pathParameters().get("connection");
        return tickets.connections()
                .find(id)
                .filter(c -> c.kind().jira() == jira)
                .orElseThrow(() -> ApiException.notFound("There is no such ticket connection."));
    }

    private boolean verified(Connection connection, byte[] body, java.util.function.Predicate<byte[]> check) {
        Optional<byte[]> secret = tickets.connections().webhookSecret(connection);
        if (secret.isEmpty()) {
            return false;
        }
        try {
            return check.test(secret.get());
        } finally {
            Arrays.fill(secret.get(), (byte) 0);
        }
    }

    private ApiException refused(ServerRequest req, Connection connection, String reason) {
        audit.accept(AuditEvent.of("tickets.webhook.reject", connection.id())
                .tenant(connection.tenant())
                .actor(Actor.anonymous())
                .requestId(RequestIds.of(req))
                .field("kind", connection.kind().label())
                .field("reason", reason)
                .field("remote", req.remotePeer().host())
                .denied());
        return new ApiException(401, "Unauthorized", "The signature does not match the body.");
    }

    private static JsonNode json(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw ApiException.badRequest("The body is not a JSON object.");
            }
            return root;
        } catch (IOException e) {
            throw ApiException.badRequest("The body is not a JSON object.");
        }
    }

    /** Reads the raw body, refusing (413) what exceeds {@code tickets.max-body-bytes}. */
    private byte[] body(ServerRequest req) {
        long max = tickets.config().maxBodyBytes();
        if (req.headers().contentLength().orElse(0) > max) {
            throw tooLarge(max);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes((int) max + 1);
            if (body.length > max) {
                throw tooLarge(max);
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("The body could not be read.");
        }
    }

    private static ApiException tooLarge(long max) {
        return new ApiException(413, "Content Too Large", "The delivery exceeds the limit of " + max + " bytes.");
    }

    /** A delivery id for trackers that send none: the body's digest (a redelivery of the same body is a duplicate). */
    private static String digest(byte[] body) {
        try {
            return "sha256-"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
