package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.RequestIds;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * {@code POST /webhooks/github}: open to anyone, because the signature authenticates the delivery. Checks the
 * headers (400), the body size (413) and the signature (401, nothing stored), then hands the delivery to the
 * {@link WebhookInbox}, which answers 202 once it is durable.
 */
public final class WebhookRoutes implements HttpService {
    static final HeaderName EVENT = HeaderNames.create("X-GitHub-Event");
    static final HeaderName DELIVERY = HeaderNames.create("X-GitHub-Delivery");
    static final HeaderName SIGNATURE = HeaderNames.create(WebhookSignature.HEADER);
    private static final Pattern EVENT_NAME = Pattern.compile("[a-z_]{1,64}");
    private static final Pattern GUID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private final WebhookInbox inbox;
    private final WebhookSecret secret;
    private final long maxBodyBytes;
    private final Consumer<AuditEvent> audit;

    public WebhookRoutes(WebhookInbox inbox, WebhookSecret secret, long maxBodyBytes, Consumer<AuditEvent> audit) {
        this.inbox = inbox;
        this.secret = secret;
        this.maxBodyBytes = maxBodyBytes;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/github", Access.open(this::deliver));
    }

    private void deliver(ServerRequest req, ServerResponse res) {
        String event = header(req, EVENT)
                .filter(e -> EVENT_NAME.matcher(e).matches())
                .orElseThrow(() -> ApiException.badRequest("The X-GitHub-Event header is missing or malformed."));
        String guid = header(req, DELIVERY)
                .filter(g -> GUID.matcher(g).matches())
                .orElseThrow(() -> ApiException.badRequest("The X-GitHub-Delivery header is missing or malformed."));
        String signature = header(req, SIGNATURE)
                .orElseThrow(() -> ApiException.badRequest("The X-Hub-Signature-256 header is missing."));
        byte[] body = body(req);
        WebhookSignature.Key key = secret.key()
                .orElseThrow(() -> ApiException.unavailable(
                        "No webhook secret is configured (github.webhook-secret-file or the App manifest flow)."));
        boolean valid = WebhookSignature.verify(key, body, signature);
        String requestId = RequestIds.of(req);
        if (!valid) {
            WebhookInbox.count("rejected");
            audit.accept(AuditEvent.of("github.webhook.reject", guid)
                    .actor(Actor.anonymous())
                    .requestId(requestId)
                    .field("event", event)
                    .field("reason", "bad signature")
                    .field("remote", req.remotePeer().host())
                    .denied());
            throw new ApiException(401, "Unauthorized", "The signature does not match the body.");
        }
        WebhookInbox.Receipt receipt = inbox.receive(event, guid, body, requestId);
        switch (receipt) {
            case ACCEPTED -> answer(res, Status.ACCEPTED_202, guid, "accepted");
            case DUPLICATE -> answer(res, Status.OK_200, guid, "duplicate");
            case IGNORED -> answer(res, Status.ACCEPTED_202, guid, "ignored");
            case MALFORMED ->
                throw ApiException.badRequest(
                        "The body is not a JSON object; the delivery is kept in the dead-letter list.");
        }
    }

    /** Writes {@code {"delivery":guid,"status":status}} directly: the guid matched {@link #GUID}, nothing to escape. */
    private static void answer(ServerResponse res, Status status, String guid, String outcome) {
        res.status(status)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                .send(("{\"delivery\":\"" + guid + "\",\"status\":\"" + outcome + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> header(ServerRequest req, HeaderName name) {
        return req.headers().first(name).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** Reads the raw body, refusing (413) before reading past the limit. */
    private byte[] body(ServerRequest req) {
        Optional<Long> length = req.headers().contentLength().stream().boxed().findFirst();
        if (length.isPresent() && length.get() > maxBodyBytes) {
            throw tooLarge();
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxBodyBytes, length.orElse(8192L)));
            byte[] buffer = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buffer)) != -1; ) {
                total += n;
                if (total > maxBodyBytes) {
                    throw tooLarge();
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiException.badRequest("The body could not be read.");
        }
    }

    private ApiException tooLarge() {
        return new ApiException(
                413, "Content Too Large", "The delivery exceeds the limit of " + maxBodyBytes + " bytes.");
    }
}
