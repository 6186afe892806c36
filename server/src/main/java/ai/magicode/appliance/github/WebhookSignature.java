package ai.magicode.appliance.github;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's webhook signature: {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>} under the
 * webhook secret, compared in constant time.
 */
public final class WebhookSignature {
    /** The header carrying the signature. */
    public static final String HEADER = "X-Hub-Signature-256";

    private static final String PREFIX = "sha256=";
    private static final int HEX_LENGTH = 64;

    private WebhookSignature() {}

    /** The header value GitHub sends for {@code body} under {@code secret}. */
    public static String sign(byte[] secret, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(mac(secret, body));
    }

    /**
     * Whether {@code header} is the signature of {@code body} under {@code secret}. A header of the wrong shape is
     * simply not valid; the comparison of well-formed ones takes the same time wherever they differ.
     */
    public static boolean verify(byte[] secret, byte[] body, String header) {
        if (header == null || header.length() != PREFIX.length() + HEX_LENGTH || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header, PREFIX.length(), header.length());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(secret, body), given);
    }

    /**
     * Whether {@code header} is the signature of {@code body} under {@code key}: {@link #verify(byte[], byte[],
     * String)} without setting up the MAC for each delivery.
     */
    public static boolean verify(Key key, byte[] body, String header) {
        if (header == null || header.length() != PREFIX.length() + HEX_LENGTH || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header, PREFIX.length(), header.length());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(key.mac().doFinal(body), given);
    }

    /**
     * A webhook secret set up once as an HMAC-SHA256 key; each verification works on a copy of the initialised MAC,
     * so one key serves concurrent deliveries.
     */
    public static final class Key {
        private final Mac prototype;

        private Key(Mac prototype) {
            this.prototype = prototype;
        }

        /** The key for {@code secret}; the caller may zero its array afterwards. */
        public static Key of(byte[] secret) {
            return new Key(initialised(secret));
        }

        private Mac mac() {
            try {
                return (Mac) prototype.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("HmacSHA256 MAC cannot be copied", e);
            }
        }
    }

    private static byte[] mac(byte[] secret, byte[] body) {
        return initialised(secret).doFinal(body);
    }

    private static Mac initialised(byte[] secret) {
        if (secret.length == 0) {
            throw new WebhookException("The webhook secret is empty");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
