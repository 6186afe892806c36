package ai.magicode.appliance.web;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.ERROR;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.RequestException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where failures become HTTP answers: every 4xx and 5xx, whether raised by a route or by
 * the transport (malformed request line, oversized body), is a problem+json document with the request
 * id. Stack traces go to the log, never into a response.
 */
public final class Problems {
    private static final System.Logger LOG = System.getLogger(Problems.class.getName());

    private final Map<Class<? extends RuntimeException>, Integer> statusOf = new LinkedHashMap<>();
    private final long maxRequestBytes;

    /** @param maxRequestBytes the listener's body limit, named in 413 answers */
    public Problems(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Maps a feature's exception type to a status; its message must be safe to show to the caller.
     * This is how lower features (which know nothing of HTTP) get their failures answered.
     */
    public Problems map(Class<? extends RuntimeException> type, int status) {
        statusOf.put(type, status);
        return this;
    }

    /** Installs the error handler on a routing. */
    public void register(HttpRouting.Builder routing) {
        routing.error(Throwable.class, this::handle);
    }

    /** Direct handlers for failures that happen before routing (they answer with the same documents). */
    public DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, new Transport());
        }
        return builder.build();
    }

    private void handle(ServerRequest req, ServerResponse res, Throwable error) {
        String requestId = RequestIds.of(req);
        Problem problem = problemFor(error, requestId);
        if (problem.status() >= 500) {
            LOG.log(
                    ERROR,
                    "Request " + req.prologue().method().text() + " "
                            + req.path().path() + " failed",
                    error);
        } else {
            LOG.log(DEBUG, () -> "Request answered " + problem.status() + ": " + problem.detail());
        }
        res.status(Status.create(problem.status()));
        res.header(RequestIds.HEADER, requestId);
        res.header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        res.send(problem.toJson());
    }

    Problem problemFor(Throwable error, String requestId) {
        if (error instanceof ApiException api) {
            return new Problem(api.status(), api.title(), api.detail(), requestId);
        }
        for (Map.Entry<Class<? extends RuntimeException>, Integer> mapping : statusOf.entrySet()) {
            if (mapping.getKey().isInstance(error)) {
                int status = mapping.getValue();
                return new Problem(status, Status.create(status).reasonPhrase(), error.getMessage(), requestId);
            }
        }
        if (error instanceof HttpException http) {
            return generic(http.status(), requestId);
        }
        if (error instanceof RequestException request) {
            return generic(request.status(), requestId);
        }
        return generic(Status.INTERNAL_SERVER_ERROR_500, requestId);
    }

    /** A problem whose detail is ours, never the exception's (which may echo request bytes). */
    Problem generic(Status status, String requestId) {
        String detail = switch (status.code()) {
            case 400 -> "The request could not be parsed.";
            case 404 -> "There is no resource at this path.";
            case 405 -> "This method is not allowed on this resource.";
            case 413 -> "The request body exceeds the limit of " + maxRequestBytes + " bytes.";
            case 415 -> "This media type is not supported here.";
            case 431 -> "The request headers are too large.";
            case 500 -> "An internal error occurred; the log has details under this request id.";
            case 505 -> "This HTTP version is not supported.";
            default -> status.reasonPhrase() + ".";
        };
        return new Problem(status.code(), status.reasonPhrase(), detail, requestId);
    }

    /** Answers transport-level failures, where no routing (and no filter) ran. */
    private final class Transport implements DirectHandler {
        @Override
        public TransportResponse handle(
                TransportRequest request,
                EventType eventType,
                Status defaultStatus,
                ServerResponseHeaders responseHeaders,
                Throwable thrown,
                System.Logger logger) {
            if (defaultStatus.code() >= 500) {
                LOG.log(ERROR, "Request failed before routing", thrown);
            }
            return answer(request, defaultStatus, responseHeaders);
        }

        @Override
        public TransportResponse handle(
                TransportRequest request,
                EventType eventType,
                Status defaultStatus,
                ServerResponseHeaders responseHeaders,
                String message) {
            return answer(request, defaultStatus, responseHeaders);
        }

        private TransportResponse answer(TransportRequest request, Status status, ServerResponseHeaders headers) {
            String requestId = RequestIds.fromHeaders(request.headers()).orElseGet(RequestIds::generate);
            headers.set(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
            headers.set(RequestIds.HEADER, requestId);
            headers.set(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
            return TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .entity(generic(status, requestId).toJson())
                    .build();
        }
    }
}
