package ai.magicode.appliance.secrets;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

/**
 * Ed25519 signing keys as PEM text (PKCS#8 {@code PRIVATE KEY}, SPKI {@code PUBLIC KEY}, the forms OpenSSL reads),
 * and signatures with them (Bouncy Castle). Used for release bundles: the vendor signs, an operator verifies offline.
 */
public final class SigningKeys {
    private SigningKeys() {}

    /** A new key pair. */
    public static KeyPair generate() {
        var privateKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        try {
            byte[] pkcs8 =
                    PrivateKeyInfoFactory.createPrivateKeyInfo(privateKey).getEncoded();
            byte[] spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(privateKey.generatePublicKey())
                    .getEncoded();
            return new KeyPair(pem("PRIVATE KEY", pkcs8), pem("PUBLIC KEY", spki));
        } catch (IOException e) {
            throw new SecretsException("cannot encode a new Ed25519 key", e);
        }
    }

    /** The Ed25519 signature (64 bytes) of {@code data} with the PEM private key. */
    public static byte[] sign(String privateKeyPem, byte[] data) {
        if (!(parsePrivate(privateKeyPem) instanceof Ed25519PrivateKeyParameters key)) {
            throw new SecretsException("the signing key is not an Ed25519 private key");
        }
        var signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(data, 0, data.length);
        return signer.generateSignature();
    }

    /** Whether {@code signature} is a valid Ed25519 signature of {@code data} under the PEM public key. */
    public static boolean verify(String publicKeyPem, byte[] data, byte[] signature) {
        var signer = new Ed25519Signer();
        signer.init(false, ed25519Public(publicKeyPem));
        signer.update(data, 0, data.length);
        return signer.verifySignature(signature);
    }

    /** SHA-256 of the public key's SPKI encoding, hex: what an operator compares with the published fingerprint. */
    public static String fingerprint(String publicKeyPem) {
        ed25519Public(publicKeyPem);
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(der(publicKeyPem, "PUBLIC KEY")));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Ed25519PublicKeyParameters ed25519Public(String publicKeyPem) {
        AsymmetricKeyParameter key;
        try {
            key = PublicKeyFactory.createKey(der(publicKeyPem, "PUBLIC KEY"));
        } catch (IOException | RuntimeException e) {
            throw new SecretsException("the public key is not a PEM SubjectPublicKeyInfo");
        }
        if (!(key instanceof Ed25519PublicKeyParameters ed25519)) {
            throw new SecretsException("the public key is not an Ed25519 key");
        }
        return ed25519;
    }

    private static AsymmetricKeyParameter parsePrivate(String pem) {
        try {
            return PrivateKeyFactory.createKey(der(pem, "PRIVATE KEY"));
        } catch (IOException | RuntimeException e) {
            throw new SecretsException("the signing key is not a PEM PKCS#8 private key");
        }
    }

    private static byte[] der(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new SecretsException("no " + type + " PEM block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** An Ed25519 key pair as PEM text; the private half is a secret (never logged or printed). */
    public record KeyPair(String privateKeyPem, String publicKeyPem) {
        @Override
        public String toString() {
            return "KeyPair[publicKey=" + fingerprint(publicKeyPem) + "]";
        }
    }
}
