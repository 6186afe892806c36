package ai.magicode.appliance.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/** A generated RSA key pair for a test GitHub App, as PKCS#1 (GitHub's form) and PKCS#8 PEM. */
public record AppKeys(KeyPair pair, String pkcs1Pem, String pkcs8Pem) {
    private static AppKeys shared;

    /** One 2048-bit pair per test JVM (generation takes a while). */
    public static synchronized AppKeys shared() {
        if (shared == null) {
            shared = generate();
        }
        return shared;
    }

    static AppKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            byte[] pkcs8 = pair.getPrivate().getEncoded();
            byte[] pkcs1 = PrivateKeyInfo.getInstance(pkcs8)
                    .parsePrivateKey()
                    .toASN1Primitive()
                    .getEncoded();
            return new AppKeys(pair, pem("RSA PRIVATE KEY", pkcs1), pem("PRIVATE KEY", pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] pkcs1() {
        return pkcs1Pem.getBytes(StandardCharsets.US_ASCII);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
