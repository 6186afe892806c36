package ai.magicode.appliance.auth;

import static java.lang.System.Logger.Level.WARNING;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The OIDC provider's metadata, read from its discovery document on first need and kept; while it
 * cannot be read, retried at most every few seconds, and reported as the {@code oidc} health detail.
 */
final class OidcProvider {
    private static final System.Logger LOG = System.getLogger(OidcProvider.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(5);
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** What the appliance needs from the discovery document. */
    record Metadata(
            String issuer,
            URI authorizationEndpoint,
            URI tokenEndpoint,
            URI jwksUri,
            Optional<URI> endSessionEndpoint) {}

    private final URI discoveryUrl;
    private final String expectedIssuer;
    private final HttpClient http;
    private final Clock clock;
    private Metadata metadata;
    private Instant lastAttempt = Instant.MIN;
    private String problem = "not contacted yet";

    OidcProvider(URI discoveryUrl, String expectedIssuer, HttpClient http, Clock clock) {
        this.discoveryUrl = discoveryUrl;
        this.expectedIssuer = expectedIssuer;
        this.http = http;
        this.clock = clock;
    }

    /**
     * The metadata, reading it now if it has not been read yet.
     *
     * @throws AuthException when the provider cannot be reached or answers nonsense
     */
    synchronized Metadata metadata() {
        if (metadata != null) {
            return metadata;
        }
        Instant now = clock.instant();
        if (Duration.between(lastAttempt, now).compareTo(RETRY) >= 0) {
            lastAttempt = now;
            try {
                metadata = read();
                problem = null;
            } catch (IOException | ParseException | RuntimeException e) {
                problem = "cannot read the discovery document at " + discoveryUrl + ": "
                        + e.getClass().getSimpleName();
                LOG.log(WARNING, "OIDC provider unavailable: " + problem);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problem = "interrupted";
            }
        }
        if (metadata == null) {
            throw new AuthException("provider", "The identity provider is unavailable.");
        }
        return metadata;
    }

    /** What is wrong with the provider, if anything; tries to reach it when it has not been reached yet. */
    synchronized Optional<String> problem() {
        try {
            metadata();
            return Optional.empty();
        } catch (AuthException e) {
            return Optional.of(problem);
        }
    }

    /** A JSON document from the provider (discovery, JWKS), as text. */
    String get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri)
                        .timeout(TIMEOUT)
                        .header("Accept", "application/json")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + uri);
        }
        return response.body();
    }

    private Metadata read() throws IOException, InterruptedException, ParseException {
        Map<String, Object> document = JSONObjectUtils.parse(get(discoveryUrl));
        String issuer = JSONObjectUtils.getString(document, "issuer");
        if (!expectedIssuer.equals(issuer)) {
            throw new IllegalStateException("the discovery document names issuer " + issuer);
        }
        String endSession = JSONObjectUtils.getString(document, "end_session_endpoint");
        return new Metadata(
                issuer,
                required(document, "authorization_endpoint"),
                required(document, "token_endpoint"),
                required(document, "jwks_uri"),
                Optional.ofNullable(endSession).map(URI::create));
    }

    private static URI required(Map<String, Object> document, String name) throws ParseException {
        String value = JSONObjectUtils.getString(document, name);
        if (value == null) {
            throw new ParseException("the discovery document lacks " + name, 0);
        }
        return URI.create(value);
    }
}
