package ai.magicode.appliance.audit;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/** Ed25519 signatures over (seq, hash) pairs: checkpoints and the retention anchor. */
final class Signer {
    private static final HexFormat HEX = HexFormat.of();
    private final Ed25519PrivateKeyParameters key;
    private String publicKey;

    private Signer(Ed25519PrivateKeyParameters key) {
        this.key = key;
    }

    /** From a 32-byte Ed25519 private key seed (the array is not kept). */
    static Signer of(byte[] seed) {
        if (seed == null || seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new AuditException("the audit signing key must be a 32-byte Ed25519 seed");
        }
        return new Signer(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /** Hex of the raw 32-byte public key; the first call is slow (Bouncy Castle precomputes tables). */
    synchronized String publicKey() {
        if (publicKey == null) {
            publicKey = HEX.formatHex(key.generatePublicKey().getEncoded());
        }
        return publicKey;
    }

    String sign(long seq, String hash) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] message = message(seq, hash);
        signer.update(message, 0, message.length);
        return HEX.formatHex(signer.generateSignature());
    }

    static boolean verify(String publicKey, long seq, String hash, String signature) {
        try {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, new Ed25519PublicKeyParameters(HEX.parseHex(publicKey), 0));
            byte[] message = message(seq, hash);
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(HEX.parseHex(signature));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] message(long seq, String hash) {
        return ("magicode-audit-checkpoint\n" + seq + "\n" + hash).getBytes(StandardCharsets.US_ASCII);
    }
}
