package ai.magicode.appliance.web;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is well-formed, else a fresh
 * one. The id is echoed in the response header, put in problem documents and stamped on every log line
 * written while the request is handled.
 */
public final class RequestIds implements Filter {
    /** The request and response header carrying the id. */
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");

    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String id = fromHeaders(req.headers()).orElseGet(RequestIds::generate);
        req.context().register(RequestIds.class, id);
        res.header(HEADER, id);
        String previous = CURRENT.get();
        CURRENT.set(id);
        try {
            chain.proceed();
        } finally {
            CURRENT.set(previous);
        }
    }

    /** The id of the request being handled on this thread, if any (for log lines). */
    public static Optional<String> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** The id given to this request, or a fresh one for requests that bypassed the filter. */
    public static String of(ServerRequest req) {
        return req.context()
                .get(RequestIds.class, String.class)
                .or(() -> fromHeaders(req.headers()))
                .orElseGet(RequestIds::generate);
    }

    static Optional<String> fromHeaders(Headers headers) {
        return headers.first(HEADER).filter(value -> ACCEPTED.matcher(value).matches());
    }

    static String generate() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
