package ai.magicode.appliance.auth;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The provider's signing keys, cached: a token whose key id is not in the cache triggers one refetch
 * (the provider may have rotated its keys), at most once per refetch interval, so a flood of tokens
 * with made-up key ids cannot turn into a flood of requests to the provider.
 */
final class Jwks implements JWKSource<SecurityContext> {
    private static final System.Logger LOG = System.getLogger(Jwks.class.getName());

    private final Callable<String> fetch;
    private final Duration refetchInterval;
    private final Clock clock;
    private volatile JWKSet keys;
    private Instant lastFetch = Instant.MIN;
    private long fetches;

    /** @param fetch reads the JWKS document (JSON text) from the provider */
    Jwks(Callable<String> fetch, Duration refetchInterval, Clock clock) {
        this.fetch = fetch;
        this.refetchInterval = refetchInterval;
        this.clock = clock;
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
        JWKSet current = keys;
        if (current != null) {
            List<JWK> matches = selector.select(current);
            if (!matches.isEmpty()) {
                return matches;
            }
        }
        current = refetch(current);
        return current == null ? List.of() : selector.select(current);
    }

    /** How many times the JWKS was fetched; for tests and the benchmark. */
    synchronized long fetches() {
        return fetches;
    }

    private synchronized JWKSet refetch(JWKSet seen) {
        if (keys != seen) {
            return keys; // another thread refetched meanwhile
        }
        Instant now = clock.instant();
        if (Duration.between(lastFetch, now).compareTo(refetchInterval) < 0) {
            return keys;
        }
        lastFetch = now;
        try {
            keys = JWKSet.parse(fetch.call());
            fetches++;
            LOG.log(INFO, "Read " + keys.getKeys().size() + " signing keys from the identity provider");
        } catch (Exception e) {
            LOG.log(
                    WARNING,
                    "Cannot read the identity provider's signing keys: "
                            + e.getClass().getSimpleName());
        }
        return keys;
    }
}
