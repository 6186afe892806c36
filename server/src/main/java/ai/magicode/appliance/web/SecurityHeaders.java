package ai.magicode.appliance.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Adds the browser security headers to every response: no sniffing, no framing, no referrer leaks,
 * a strict content security policy for the console (its forms post only to itself and the GitHub server), and HSTS when the listener speaks HTTPS.
 */
public final class SecurityHeaders implements Filter {
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                    + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private final boolean https;
    private final String contentSecurityPolicy;

    public SecurityHeaders(boolean https) {
        this(https, java.util.Optional.empty());
    }

    /**
     * @param formTarget a second origin the console's forms may post to: the GitHub server, where the setup wizard
     *     posts the App manifest
     */
    public SecurityHeaders(boolean https, java.util.Optional<java.net.URI> formTarget) {
        this.https = https;
        this.contentSecurityPolicy = formTarget
                .map(url -> CONTENT_SECURITY_POLICY + " " + url.getScheme() + "://" + url.getHost()
                        + (url.getPort() == -1 ? "" : ":" + url.getPort()))
                .orElse(CONTENT_SECURITY_POLICY);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        res.header(HeaderNames.create("X-Frame-Options"), "DENY");
        res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
        res.header(HeaderNames.create("Content-Security-Policy"), contentSecurityPolicy);
        res.header(HeaderNames.create("Cross-Origin-Opener-Policy"), "same-origin");
        res.header(HeaderNames.create("Permissions-Policy"), "camera=(), microphone=(), geolocation=()");
        if (https) {
            res.header(HeaderNames.STRICT_TRANSPORT_SECURITY, "max-age=31536000");
        }
        String path = req.path().path();
        if (path.startsWith("/api/") || path.startsWith("/webhooks/")) {
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
        }
        chain.proceed();
    }
}
