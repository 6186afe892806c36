package ai.magicode.appliance.audit;

import ai.magicode.appliance.web.JsonStrings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one canonical serialization of an entry, and the byte-level checks {@code verify} runs on it.
 *
 * <p>A line is {@code {"seq":…,"time":…,"tenant":…,"actor":{"kind":…,"id":…},"action":…,"target":…,
 * "outcome":…,"requestId":…,"fields":{…},"prevHash":"…","hash":"…"}}: members in this order, fields
 * sorted by name, strings escaped minimally, UTF-8. The hash is SHA-256 over the same object without its
 * {@code hash} member, i.e. over the line's bytes up to the end of {@code prevHash} followed by {@code "}}.
 * Because the hash and previous hash sit at fixed offsets from the end of the line, verification needs no
 * JSON parsing.
 */
final class EntryCodec {
    static final String GENESIS = "0".repeat(64);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HASH_MEMBER = "\",\"hash\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREV_MEMBER = ",\"prevHash\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEQ_MEMBER = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSE = "\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Bytes from the start of the hash member to the end of the line (without newline). */
    static final int HASH_TAIL = HASH_MEMBER.length + 64 + CLOSE.length;
    /** Shortest possible well-formed line. */
    static final int MIN_LINE = SEQ_MEMBER.length + 1 + PREV_MEMBER.length + 64 + HASH_TAIL;

    private EntryCodec() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** An entry serialized: its line (newline included) and hash. */
    record Encoded(AuditEntry entry, byte[] line) {}

    static Encoded encode(MessageDigest digest, long seq, Instant time, AuditEvent event, String prevHash) {
        byte[] body = body(seq, time, event, prevHash).toString().getBytes(StandardCharsets.UTF_8);
        digest.reset();
        digest.update(body);
        digest.update(CLOSE);
        byte[] hash = hex(digest.digest());
        byte[] line = Arrays.copyOf(body, body.length + HASH_TAIL + 1);
        System.arraycopy(HASH_MEMBER, 0, line, body.length, HASH_MEMBER.length);
        System.arraycopy(hash, 0, line, body.length + HASH_MEMBER.length, 64);
        System.arraycopy(CLOSE, 0, line, body.length + HASH_MEMBER.length + 64, CLOSE.length);
        line[line.length - 1] = '\n';
        return new Encoded(
                new AuditEntry(seq, time, event, prevHash, new String(hash, StandardCharsets.US_ASCII)), line);
    }

    /**
     * {@code entry} in the line's format with the hash it was written with: for a sealed entry read back, the values
     * are the opened ones while {@code hash} stays that of the sealed line in the segment.
     */
    static String view(AuditEntry entry) {
        return body(entry.seq(), entry.time(), entry.event(), entry.prevHash())
                .append("\",\"hash\":\"")
                .append(entry.hash())
                .append("\"}")
                .toString();
    }

    private static StringBuilder body(long seq, Instant time, AuditEvent event, String prevHash) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"seq\":").append(seq).append(",\"time\":");
        string(out, time.toString());
        out.append(",\"tenant\":");
        string(out, event.tenant());
        out.append(",\"actor\":{\"kind\":");
        string(out, event.actor().kind().name());
        out.append(",\"id\":");
        string(out, event.actor().id());
        out.append("},\"action\":");
        string(out, event.action());
        out.append(",\"target\":");
        string(out, event.target());
        out.append(",\"outcome\":");
        string(out, event.outcome().name());
        out.append(",\"requestId\":");
        string(out, event.requestId());
        out.append(",\"fields\":{");
        boolean first = true;
        for (Map.Entry<String, String> field : new TreeMap<>(event.fields()).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, field.getKey());
            out.append(':');
            string(out, field.getValue());
        }
        out.append("},\"prevHash\":\"").append(prevHash);
        return out;
    }

    /** Parses a line (without newline) into an entry; no checks beyond well-formedness. */
    static AuditEntry decode(byte[] buf, int start, int end) {
        try {
            JsonNode node = JSON.readTree(buf, start, end - start);
            Map<String, String> fields = new LinkedHashMap<>();
            node.path("fields")
                    .properties()
                    .forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
            AuditEvent event = new AuditEvent(
                    node.get("tenant").asText(),
                    new Actor(
                            Actor.Kind.valueOf(node.get("actor").get("kind").asText()),
                            node.get("actor").get("id").asText()),
                    node.get("action").asText(),
                    node.get("target").asText(),
                    Outcome.valueOf(node.get("outcome").asText()),
                    node.get("requestId").asText(),
                    fields);
            return new AuditEntry(
                    node.get("seq").asLong(),
                    Instant.parse(node.get("time").asText()),
                    event,
                    node.get("prevHash").asText(),
                    node.get("hash").asText());
        } catch (IOException | RuntimeException e) {
            throw new AuditException("malformed audit entry", e);
        }
    }

    /** Whether the line has the fixed frame of an entry (seq first, prevHash and hash last). */
    static boolean framed(byte[] buf, int start, int end) {
        int length = end - start;
        if (length < MIN_LINE
                || !Arrays.equals(buf, start, start + SEQ_MEMBER.length, SEQ_MEMBER, 0, SEQ_MEMBER.length)
                || !Arrays.equals(buf, end - CLOSE.length, end, CLOSE, 0, CLOSE.length)
                || !Arrays.equals(
                        buf,
                        end - HASH_TAIL,
                        end - HASH_TAIL + HASH_MEMBER.length,
                        HASH_MEMBER,
                        0,
                        HASH_MEMBER.length)) {
            return false;
        }
        int prev = end - HASH_TAIL - 64 - PREV_MEMBER.length;
        return Arrays.equals(buf, prev, prev + PREV_MEMBER.length, PREV_MEMBER, 0, PREV_MEMBER.length);
    }

    /** The sequence number of a framed line, or -1 when it is not a number. */
    static long seq(byte[] buf, int start, int end) {
        long seq = 0;
        int i = start + SEQ_MEMBER.length;
        int digits = 0;
        while (i < end && buf[i] >= '0' && buf[i] <= '9' && digits < 18) {
            seq = seq * 10 + (buf[i] - '0');
            i++;
            digits++;
        }
        return digits == 0 || i >= end || buf[i] != ',' ? -1 : seq;
    }

    /** Offset of the 64 hex digits of the previous hash in a framed line. */
    static int prevHashAt(int end) {
        return end - HASH_TAIL - 64;
    }

    /** Offset of the 64 hex digits of the hash in a framed line. */
    static int hashAt(int end) {
        return end - HASH_TAIL + HASH_MEMBER.length;
    }

    /** Whether the hash written in a framed line is the hash of its content; {@code scratch} holds 64 bytes. */
    static boolean hashHolds(MessageDigest digest, byte[] buf, int start, int end, byte[] scratch) {
        digest.reset();
        digest.update(buf, start, end - HASH_TAIL - start);
        digest.update(CLOSE);
        hexInto(digest.digest(), scratch);
        int at = hashAt(end);
        return Arrays.equals(buf, at, at + 64, scratch, 0, 64);
    }

    static String text(byte[] buf, int at) {
        return new String(buf, at, 64, StandardCharsets.US_ASCII);
    }

    static byte[] hex(byte[] bytes) {
        byte[] out = new byte[bytes.length * 2];
        hexInto(bytes, out);
        return out;
    }

    private static void hexInto(byte[] bytes, byte[] out) {
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
    }

    static void string(StringBuilder out, String text) {
        JsonStrings.quote(out, text);
    }
}
