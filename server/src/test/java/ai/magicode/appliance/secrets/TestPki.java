package ai.magicode.appliance.secrets;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test keys, certificates and PEM files, generated on the spot. */
final class TestPki {
    static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIALS = new AtomicLong(1);

    private TestPki() {}

    static KeyPair rsa() {
        return generate("RSA", null);
    }

    static KeyPair ec() {
        return generate("EC", new ECGenParameterSpec("secp256r1"));
    }

    private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate builder with defaults: self-signed, valid from an hour ago for a day, not a CA. */
    static Cert cert(String commonName, KeyPair subjectKeys) {
        return new Cert(commonName, subjectKeys);
    }

    static final class Cert {
        private final X500Name subject;
        private final KeyPair subjectKeys;
        private X500Name issuer;
        private KeyPair issuerKeys;
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(1));
        private boolean ca;

        private Cert(String commonName, KeyPair subjectKeys) {
            this.subject = new X500Name("CN=" + commonName);
            this.subjectKeys = subjectKeys;
            this.issuer = subject;
            this.issuerKeys = subjectKeys;
        }

        Cert issuedBy(X509Certificate issuerCert, KeyPair issuerKeys) {
            this.issuer =
                    X500Name.getInstance(issuerCert.getSubjectX500Principal().getEncoded());
            this.issuerKeys = issuerKeys;
            return this;
        }

        Cert validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        Cert ca() {
            this.ca = true;
            return this;
        }

        X509Certificate build() {
            String algorithm =
                    issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            try {
                var builder = new JcaX509v3CertificateBuilder(
                                issuer,
                                BigInteger.valueOf(SERIALS.getAndIncrement()),
                                Date.from(notBefore),
                                Date.from(notAfter),
                                subject,
                                subjectKeys.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
                var signer =
                        new JcaContentSignerBuilder(algorithm).setProvider(BC).build(issuerKeys.getPrivate());
                return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Writes each object in the PEM form {@link JcaPEMWriter} chooses for it. */
    static Path writePem(Path file, Object... objects) throws IOException {
        try (Writer out = Files.newBufferedWriter(file);
                JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        }
        return file;
    }

    /** The base64 lines between the PEM armour lines of a file: the encoded key material itself. */
    static List<String> base64Body(Path pemFile) throws IOException {
        return Files.readAllLines(pemFile).stream()
                .filter(line -> !line.startsWith("-----") && !line.contains(":") && !line.isBlank())
                .toList();
    }
}
