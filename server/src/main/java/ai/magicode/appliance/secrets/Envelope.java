package ai.magicode.appliance.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The vault's primitives, on Bouncy Castle's lightweight API (no JCA provider is registered): AES-256-GCM with
 * 96-bit random nonces and 128-bit tags, data-key wrapping under the master key, and the HMAC-SHA256 fingerprints
 * that the list shows.
 */
final class Envelope {
    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] WRAP_LABEL = "magicode-vault-wrap-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEAL_LABEL = "magicode-vault-seal-v1".getBytes(StandardCharsets.US_ASCII);

    private final SecureRandom random;

    Envelope(SecureRandom random) {
        this.random = random;
    }

    /** A fresh random 256-bit key; the caller zeroes it after use. */
    byte[] newKey() {
        byte[] key = new byte[KEY_BYTES];
        random.nextBytes(key);
        return key;
    }

    /** Seals {@code value} under a fresh data key bound to {@code aad}; the data key comes back wrapped. */
    Sealed seal(byte[] value, byte[] aad, MasterKey master) {
        byte[] dataKey = newKey();
        try {
            byte[] nonce = nonce();
            byte[] ciphertext = gcm(true, dataKey, nonce, label(SEAL_LABEL, aad), value);
            return new Sealed(nonce, ciphertext, wrap(dataKey, master));
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption cannot fail", e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Opens what {@link #seal} produced; the caller zeroes the result after use. */
    byte[] unseal(byte[] nonce, byte[] ciphertext, byte[] aad, WrappedKey wrapped, MasterKey master) {
        byte[] dataKey = unwrap(wrapped, master);
        try {
            return gcm(false, dataKey, nonce, label(SEAL_LABEL, aad), ciphertext);
        } catch (InvalidCipherTextException e) {
            throw new SecretsException("a sealed secret failed its integrity check (tampered or bound to another"
                    + " secret id, tenant, name or version)");
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Wraps a key under the master key, with the master key's id as associated data. */
    WrappedKey wrap(byte[] key, MasterKey master) {
        byte[] nonce = nonce();
        try {
            return new WrappedKey(master.id(), nonce, gcm(true, master.bytes(), nonce, wrapAad(master.id()), key));
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption cannot fail", e);
        }
    }

    /** Unwraps a key; the caller zeroes it after use. */
    byte[] unwrap(WrappedKey wrapped, MasterKey master) {
        if (!wrapped.masterKeyId().equals(master.id())) {
            throw new SecretsException("a data key is wrapped by master key " + wrapped.masterKeyId()
                    + " but the vault holds master key " + master.id());
        }
        try {
            return gcm(false, master.bytes(), wrapped.nonce(), wrapAad(master.id()), wrapped.ciphertext());
        } catch (InvalidCipherTextException e) {
            throw new SecretsException("a wrapped data key failed its integrity check under master key " + master.id());
        }
    }

    /** Whether {@code master} unwraps {@code wrapped}: its id matches and the tag verifies. */
    boolean unwraps(WrappedKey wrapped, MasterKey master) {
        if (!wrapped.masterKeyId().equals(master.id())) {
            return false;
        }
        try {
            Arrays.fill(
                    gcm(false, master.bytes(), wrapped.nonce(), wrapAad(master.id()), wrapped.ciphertext()), (byte) 0);
            return true;
        } catch (InvalidCipherTextException e) {
            return false;
        }
    }

    /** The first 16 hex digits of HMAC-SHA256 under {@code key}: comparable, but useless for guessing the value. */
    static String fingerprint(byte[] key, String tenant, byte[] value) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key));
        byte[] prefix = encode(tenant.getBytes(StandardCharsets.UTF_8));
        mac.update(prefix, 0, prefix.length);
        mac.update(value, 0, value.length);
        byte[] out = new byte[mac.getMacSize()];
        mac.doFinal(out, 0);
        return HexFormat.of().formatHex(out, 0, 8);
    }

    /** Associated data binding a sealed value to its secret: each field length-prefixed, so none can bleed into the next. */
    static byte[] aad(String secretId, String tenant, String name, int version) {
        byte[] id = encode(secretId.getBytes(StandardCharsets.UTF_8));
        byte[] t = encode(tenant.getBytes(StandardCharsets.UTF_8));
        byte[] n = encode(name.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(id.length + t.length + n.length + 4)
                .put(id)
                .put(t)
                .put(n)
                .putInt(version)
                .array();
    }

    private byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    private static byte[] wrapAad(String masterKeyId) {
        return label(WRAP_LABEL, masterKeyId.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] label(byte[] label, byte[] data) {
        byte[] l = encode(label);
        return ByteBuffer.allocate(l.length + data.length).put(l).put(data).array();
    }

    private static byte[] encode(byte[] field) {
        return ByteBuffer.allocate(4 + field.length)
                .putInt(field.length)
                .put(field)
                .array();
    }

    private static byte[] gcm(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] input)
            throws InvalidCipherTextException {
        GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG_BITS, nonce, aad));
        byte[] out = new byte[cipher.getOutputSize(input.length)];
        int length = cipher.processBytes(input, 0, input.length, out, 0);
        length += cipher.doFinal(out, length);
        return length == out.length ? out : Arrays.copyOf(out, length);
    }

    /** A sealed value: nonce, ciphertext with tag, and its wrapped data key. */
    record Sealed(byte[] nonce, byte[] ciphertext, WrappedKey key) {}
}
