package ai.magicode.appliance.tickets;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The trackers' webhook signatures, both HMAC-SHA256 of the raw body under the webhook's shared secret, compared in
 * constant time: Jira's {@code X-Hub-Signature: sha256=<hex>} (Jira Cloud admin webhooks with a secret, the WebSub
 * form) and Linear's {@code Linear-Signature: <hex>}, whose body must also carry a {@code webhookTimestamp} close to
 * now (a replayed old delivery is refused).
 */
final class TicketSignatures {
    private static final String JIRA_PREFIX = "sha256=";

    private TicketSignatures() {}

    /** The {@code X-Hub-Signature} value Jira sends for {@code body}. */
    static String jira(byte[] secret, byte[] body) {
        return JIRA_PREFIX + HexFormat.of().formatHex(mac(secret, body));
    }

    /** The {@code Linear-Signature} value Linear sends for {@code body}. */
    static String linear(byte[] secret, byte[] body) {
        return HexFormat.of().formatHex(mac(secret, body));
    }

    static boolean verifyJira(byte[] secret, byte[] body, String header) {
        return header != null && header.startsWith(JIRA_PREFIX) && matches(secret, body, header.substring(7));
    }

    static boolean verifyLinear(byte[] secret, byte[] body, String header) {
        return header != null && matches(secret, body, header);
    }

    /** Whether Linear's {@code webhookTimestamp} (milliseconds) is within {@code tolerance} of {@code now}. */
    static boolean fresh(long webhookTimestamp, Instant now, Duration tolerance) {
        return Math.abs(now.toEpochMilli() - webhookTimestamp) <= tolerance.toMillis();
    }

    private static boolean matches(byte[] secret, byte[] body, String hex) {
        if (hex.length() != 64) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(secret, body), given);
    }

    private static byte[] mac(byte[] secret, byte[] body) {
        if (secret.length == 0) {
            throw new TicketsException("The webhook secret is empty");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
