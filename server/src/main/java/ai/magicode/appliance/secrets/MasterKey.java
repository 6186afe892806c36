package ai.magicode.appliance.secrets;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * A 256-bit master key in memory, with its id: a short fingerprint that names it in wraps, logs and messages
 * without revealing it. {@link #toString} never shows the key.
 */
final class MasterKey {
    private static final byte[] ID_LABEL = "magicode-master-key-id-v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] bytes;
    private final String id;

    MasterKey(byte[] bytes) {
        if (bytes.length != Envelope.KEY_BYTES) {
            throw new IllegalArgumentException("a master key has " + Envelope.KEY_BYTES + " bytes");
        }
        this.bytes = bytes.clone();
        this.id = idOf(this.bytes);
    }

    byte[] bytes() {
        return bytes;
    }

    String id() {
        return id;
    }

    /** Zeroes the key; it is unusable afterwards. */
    void destroy() {
        Arrays.fill(bytes, (byte) 0);
    }

    private static String idOf(byte[] key) {
        SHA256Digest digest = new SHA256Digest();
        digest.update(ID_LABEL, 0, ID_LABEL.length);
        digest.update(key, 0, key.length);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return HexFormat.of().formatHex(out, 0, 8);
    }

    @Override
    public String toString() {
        return "master key " + id;
    }
}
