package ai.magicode.appliance.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/**
 * A signed statement that entry {@code seq} of the log has {@code hash}; kept one per line in
 * {@code checkpoints.jsonl}, and as the retention anchor in {@code anchor.json}.
 *
 * @param seq the entry vouched for
 * @param hash its hash
 * @param time when it was signed
 * @param key hex Ed25519 public key that signed it
 * @param signature hex Ed25519 signature over {@code seq} and {@code hash}
 */
record Checkpoint(long seq, String hash, Instant time, String key, String signature) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Checkpoint sign(Signer signer, long seq, String hash) {
        return new Checkpoint(seq, hash, Instant.now(), signer.publicKey(), signer.sign(seq, hash));
    }

    boolean signatureHolds() {
        return Signer.verify(key, seq, hash, signature);
    }

    String toJson() {
        StringBuilder out = new StringBuilder("{\"seq\":").append(seq).append(",\"hash\":");
        EntryCodec.string(out, hash);
        out.append(",\"time\":");
        EntryCodec.string(out, time.toString());
        out.append(",\"key\":");
        EntryCodec.string(out, key);
        out.append(",\"signature\":");
        EntryCodec.string(out, signature);
        return out.append('}').toString();
    }

    /** Parses a line; throws {@link AuditException} when it is not a checkpoint. */
    static Checkpoint parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            return new Checkpoint(
                    node.get("seq").asLong(),
                    node.get("hash").asText(),
                    Instant.parse(node.get("time").asText()),
                    node.get("key").asText(),
                    node.get("signature").asText());
        } catch (Exception e) {
            throw new AuditException("malformed checkpoint");
        }
    }
}
