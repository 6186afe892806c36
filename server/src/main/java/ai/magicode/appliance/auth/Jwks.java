package ai.magicode.appliance.auth;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The provider's signing keys, cached: a token whose key id is not in the cache triggers one refetch
 * (the provider may have rotated its keys), at most once per refetch interval, so a flood of tokens
 * with made-up key ids cannot turn into a flood of requests to the provider.
 */
final class Jwks implements JWKSource<SecurityContext>, JWSKeySelector<SecurityContext> {
    private static final System.Logger LOG = System.getLogger(Jwks.class.getName());

    private final Callable<String> fetch;
    private final Duration refetchInterval;
    private final Clock clock;
    private volatile JWKSet keys;
    /** Java keys by key id, converted once per fetch (conversion costs more than a signature check). */
    private volatile Map<String, List<Key>> javaKeys = Map.of();

    private Instant lastFetch = Instant.MIN;
    private long fetches;
    private volatile long generation;

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

    /**
     * The verification keys for a token's header: those with its key id (or all, without one) whose type
     * fits the algorithm; an unknown key id triggers a (rate-limited) refetch. The algorithm itself is
     * checked against the allow-list before this is asked.
     */
    @Override
    public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) {
        String kid = header.getKeyID() == null ? "" : header.getKeyID();
        List<Key> found = javaKeys.getOrDefault(kid, List.of());
        if (found.isEmpty()) {
            JWKSet current = keys;
            if (current == null || !kid.isEmpty()) {
                refetch(current);
            }
            found = javaKeys.getOrDefault(kid, List.of());
        }
        KeyType type = KeyType.forAlgorithm(header.getAlgorithm());
        return found.stream()
                .filter(key -> type != null && type.getValue().equals(keyType(key)))
                .toList();
    }

    private static String keyType(Key key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "RSA";
            case "EC" -> "EC";
            default -> "OKP";
        };
    }

    private static Map<String, List<Key>> javaKeys(JWKSet set) {
        Map<String, List<Key>> byKid = new HashMap<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && jwk.getKeyUse() != KeyUse.SIGNATURE) {
                continue;
            }
            try {
                Key key = switch (jwk) {
                    case RSAKey rsa -> rsa.toRSAPublicKey();
                    case ECKey ec -> ec.toECPublicKey();
                    default -> null;
                };
                if (key != null) {
                    // Tokens without a key id may be checked against every key ("").
                    byKid.computeIfAbsent("", k -> new ArrayList<>()).add(key);
                    if (jwk.getKeyID() != null) {
                        byKid.computeIfAbsent(jwk.getKeyID(), k -> new ArrayList<>())
                                .add(key);
                    }
                }
            } catch (JOSEException e) {
                LOG.log(WARNING, "Skipping an unusable signing key " + jwk.getKeyID());
            }
        }
        return Map.copyOf(byKid);
    }

    /** Changes whenever the key set is replaced; results verified under an older generation are stale. */
    long generation() {
        return generation;
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
            JWKSet fetched = JWKSet.parse(fetch.call());
            javaKeys = javaKeys(fetched);
            keys = fetched;
            generation++;
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
