package ai.magicode.appliance.secrets;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.RSAPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * RSA private keys from PEM text as GitHub hands out App keys: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or PKCS#8
 * ({@code BEGIN PRIVATE KEY}), unencrypted. Messages describe what is wrong with the text, never its content.
 */
public final class RsaKeys {
    /** GitHub's App keys are 2048 bits; shorter keys are refused as too weak to sign with. */
    private static final int MIN_BITS = 2048;

    private RsaKeys() {}

    /**
     * Parses one RSA private key.
     *
     * @param what how the key is called in messages, e.g. "GitHub App private key"
     * @throws SecretsException when the text holds no usable RSA private key
     */
    public static RSAPrivateKey parse(String what, byte[] pem) {
        // ISO-8859-1 decodes any bytes, so binary input reaches the "not PEM" message rather than a decoder error.
        String text = new String(pem, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN ")) {
            throw new SecretsException(what + " is not PEM: it has no '-----BEGIN ...-----' block");
        }
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            // Parser messages describe the structure (bad base64, bad ASN.1), never the content; still not passed on.
            throw new SecretsException(what + " is not valid PEM: its block cannot be decoded");
        }
        PrivateKey key;
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            key = switch (object) {
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case null -> throw new SecretsException(what + " holds no PEM block");
                default ->
                    throw new SecretsException(
                            what + " holds a " + object.getClass().getSimpleName()
                                    + ", not an unencrypted private key (PKCS#1 or PKCS#8)");
            };
        } catch (IOException | RuntimeException e) {
            if (e instanceof SecretsException secrets) {
                throw secrets;
            }
            throw new SecretsException(what + " is not a usable private key");
        }
        if (!(key instanceof RSAPrivateKey rsa)) {
            throw new SecretsException(what + " is a " + key.getAlgorithm() + " key; GitHub Apps sign with RSA");
        }
        if (rsa.getModulus().bitLength() < MIN_BITS) {
            throw new SecretsException(what + " has " + rsa.getModulus().bitLength() + " bits; at least " + MIN_BITS);
        }
        return rsa;
    }

    /** The public half of a key with CRT parameters (as both PEM forms carry); for the App's self-check and tests. */
    public static RSAPublicKeySpec publicSpec(RSAPrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            throw new SecretsException("the key carries no public exponent");
        }
        return new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent());
    }
}
