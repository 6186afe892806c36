package ai.magicode.appliance.index;

import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Privacy mode's keyed hash of index terms: HMAC-SHA256 with the index's key, truncated to 96 bits and encoded as
 * base64url. Equal terms hash equally (so BM25 works unchanged); without the key a term cannot be confirmed by
 * guessing. Not thread-safe (one per indexing or search thread); {@link #identity()} disables hashing.
 */
final class TermHasher {
    private final Mac mac;
    private final Map<String, String> cache = new HashMap<>();

    private TermHasher(Mac mac) {
        this.mac = mac;
    }

    static TermHasher keyed(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return new TermHasher(mac);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static TermHasher identity() {
        return new TermHasher(null);
    }

    String hash(String term) {
        if (mac == null) {
            return term;
        }
        if (cache.size() > 200_000) {
            cache.clear();
        }
        return cache.computeIfAbsent(term, t -> {
            byte[] digest = mac.doFinal(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 12));
        });
    }
}
