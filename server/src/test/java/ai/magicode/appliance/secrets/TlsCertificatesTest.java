package ai.magicode.appliance.secrets;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsCertificatesTest {
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    @TempDir
    Path dir;

    @Test
    void generatesSelfSignedCertificateThatLoadsBack() throws Exception {
        Instant before = Instant.now();
        var generated = TlsCertificates.selfSigned(List.of("magicode.example.com", "10.1.2.3"), dir, false);
        Instant after = Instant.now();

        TlsKeyPair pair = TlsCertificates.load(generated.certFile(), generated.keyFile());

        X509Certificate cert = pair.leaf();
        assertEquals(1, pair.chain().size());
        assertEquals(
                List.of(
                        List.of(DNS_NAME, "magicode.example.com"),
                        List.of(IP_ADDRESS, "10.1.2.3"),
                        List.of(DNS_NAME, "localhost"),
                        List.of(IP_ADDRESS, "127.0.0.1")),
                subjectAltNames(cert));
        assertTrue(signsFor(pair.privateKey(), cert.getPublicKey()), "key matches certificate");
        assertEquals("EC", pair.privateKey().getAlgorithm());
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertEquals(-1, cert.getBasicConstraints(), "not a CA");
        assertTrue(cert.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage(), "serverAuth");
        assertEquals("rw-------", posixMode(generated.keyFile()));
        assertEquals(dir.resolve("cert.pem"), generated.certFile());
        assertEquals(dir.resolve("key.pem"), generated.keyFile());
        assertEquals(List.of(dir.resolve("cert.pem"), dir.resolve("key.pem")), filesIn(dir), "no temporary files left");
        assertTrue(Files.readString(generated.keyFile()).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");

        Instant notAfter = cert.getNotAfter().toInstant();
        assertEquals(notAfter, generated.notAfter());
        assertFalse(notAfter.isBefore(before.plus(Duration.ofDays(397)).minusSeconds(1)), "not-after " + notAfter);
        assertFalse(notAfter.isAfter(after.plus(Duration.ofDays(397))), "not-after " + notAfter);
        assertEquals(TlsCertificates.sha256Fingerprint(cert), generated.sha256Fingerprint());
        assertTrue(
                generated.sha256Fingerprint().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), generated.sha256Fingerprint());
    }

    @Test
    void selfSignedCertificateNamesEachHostOnceWhateverItsSpelling() throws Exception {
        var generated =
                TlsCertificates.selfSigned(List.of(" LocalHost ", "[::1]", "Appliance.Example.COM."), dir, false);

        X509Certificate cert =
                TlsCertificates.load(generated.certFile(), generated.keyFile()).leaf();

        assertEquals(
                List.of(
                        List.of(DNS_NAME, "localhost"),
                        List.of(IP_ADDRESS, "0:0:0:0:0:0:0:1"),
                        List.of(DNS_NAME, "appliance.example.com"),
                        List.of(IP_ADDRESS, "127.0.0.1")),
                subjectAltNames(cert));
    }

    @Test
    void selfSignedCertificateForAnIpAddressNamesItInTheSubject() throws Exception {
        var generated = TlsCertificates.selfSigned(List.of("10.1.2.3"), dir, false);

        X509Certificate cert =
                TlsCertificates.load(generated.certFile(), generated.keyFile()).leaf();

        assertEquals(
                "CN=10.1.2.3,O=MagiCode Appliance (self-signed)",
                cert.getSubjectX500Principal().getName());
        assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
    }

    @Test
    void refusesHostThatIsNeitherDnsNameNorIpAddress() {
        var e = assertThrows(
                SecretsException.class, () -> TlsCertificates.selfSigned(List.of("bad host/name"), dir, false));

        assertTrue(e.getMessage().contains("'bad host/name'"), e.getMessage());
        assertEquals(List.of(), filesIn(dir));
    }

    @Test
    void refusesToOverwriteExistingCertificateOrKey() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "old certificate");
        var e = assertThrows(SecretsException.class, () -> TlsCertificates.selfSigned(List.of(), dir, false));
        assertTrue(e.getMessage().contains(cert.toString()), e.getMessage());
        assertEquals("old certificate", Files.readString(cert));
        assertFalse(Files.exists(dir.resolve("key.pem")), "key.pem must not be written either");

        Files.delete(cert);
        Path key = Files.writeString(dir.resolve("key.pem"), "old key");
        e = assertThrows(SecretsException.class, () -> TlsCertificates.selfSigned(List.of(), dir, false));
        assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
        assertEquals("old key", Files.readString(key));
        assertFalse(Files.exists(dir.resolve("cert.pem")), "cert.pem must not be written either");
    }

    @Test
    void overwritesExistingCertificateAndKeyWhenAsked() throws Exception {
        var first = TlsCertificates.selfSigned(List.of(), dir, false);

        var second = TlsCertificates.selfSigned(List.of(), dir, true);

        assertFalse(first.sha256Fingerprint().equals(second.sha256Fingerprint()), "a new certificate");
        TlsKeyPair pair = TlsCertificates.load(second.certFile(), second.keyFile());
        assertEquals(second.sha256Fingerprint(), TlsCertificates.sha256Fingerprint(pair.leaf()));
        assertEquals("rw-------", posixMode(second.keyFile()));
    }

    enum KeyFormat {
        RSA_PKCS1("RSA", false, "-----BEGIN RSA PRIVATE KEY-----"),
        EC_SEC1("EC", false, "-----BEGIN EC PRIVATE KEY-----"),
        EC_SEC1_NAMING_ITS_CURVE("EC", false, "-----BEGIN EC PRIVATE KEY-----"),
        RSA_PKCS8("RSA", true, "-----BEGIN PRIVATE KEY-----"),
        EC_PKCS8("EC", true, "-----BEGIN PRIVATE KEY-----");

        final String algorithm;
        final boolean pkcs8;
        final String header;

        KeyFormat(String algorithm, boolean pkcs8, String header) {
            this.algorithm = algorithm;
            this.pkcs8 = pkcs8;
            this.header = header;
        }

        KeyPair generate() {
            return algorithm.equals("RSA") ? TestPki.rsa() : TestPki.ec();
        }

        /** JcaPEMWriter writes a bare private key in its traditional form: PKCS#1 for RSA, SEC1 for EC. */
        Object pemOf(KeyPair keys) throws Exception {
            if (this == EC_SEC1_NAMING_ITS_CURVE) {
                // As openssl writes it: the curve's OID in the key structure itself.
                var key = (ECPrivateKey) keys.getPrivate();
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                        256, key.getS(), null, SECObjectIdentifiers.secp256r1);
                return new PemObject("EC PRIVATE KEY", sec1.getEncoded());
            }
            return pkcs8 ? new JcaPKCS8Generator(keys.getPrivate(), null).generate() : keys.getPrivate();
        }
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void loadsKeyInEachSupportedFormat(KeyFormat format) throws Exception {
        KeyPair keys = format.generate();
        X509Certificate cert = TestPki.cert("server", keys).build();
        Path certFile = TestPki.writePem(dir.resolve("cert.pem"), cert);
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), format.pemOf(keys));
        assertTrue(Files.readString(keyFile).startsWith(format.header), "the test writes " + format.header);

        TlsKeyPair pair = TlsCertificates.load(certFile, keyFile);

        assertEquals(format.algorithm, pair.privateKey().getAlgorithm());
        assertEquals(secretOf(keys.getPrivate()), secretOf(pair.privateKey()));
        assertEquals(List.of(cert), pair.chain());
    }

    @Test
    void loadsWholeChainLeafFirst() throws Exception {
        KeyPair caKeys = TestPki.ec();
        X509Certificate ca = TestPki.cert("Test CA", caKeys).ca().build();
        KeyPair leafKeys = TestPki.ec();
        X509Certificate leaf =
                TestPki.cert("server", leafKeys).issuedBy(ca, caKeys).build();
        Path certFile = TestPki.writePem(dir.resolve("chain.pem"), leaf, ca);
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), leafKeys.getPrivate());

        TlsKeyPair pair = TlsCertificates.load(certFile, keyFile);

        assertEquals(List.of(leaf, ca), pair.chain());
    }

    @Test
    void loadsExpiredCertificateWithOnlyAWarning() throws Exception {
        KeyPair keys = TestPki.ec();
        Instant expired = Instant.now().minus(Duration.ofDays(1));
        X509Certificate cert = TestPki.cert("server", keys)
                .validity(expired.minus(Duration.ofDays(30)), expired)
                .build();
        Path certFile = TestPki.writePem(dir.resolve("cert.pem"), cert);
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate());
        List<LogRecord> records = new ArrayList<>();

        TlsKeyPair pair = captureLog(records, () -> TlsCertificates.load(certFile, keyFile));

        assertEquals(List.of(cert), pair.chain());
        assertEquals(1, records.size(), "one warning");
        assertEquals(Level.WARNING, records.getFirst().getLevel());
        assertTrue(
                records.getFirst().getMessage().contains("expired"),
                records.getFirst().getMessage());
    }

    @Test
    void rejectsKeyThatDoesNotMatchCertificate() throws Exception {
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", TestPki.ec()).build());
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), TestPki.ec().getPrivate());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, keyFile, "does not match");
        assertTrue(e.getMessage().contains(certFile.toString()), e.getMessage());
        assertNoKeyMaterial(e, keyFile);
    }

    @Test
    void rejectsKeyOfAnotherAlgorithmThanTheCertificate() throws Exception {
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", TestPki.ec()).build());
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), TestPki.rsa().getPrivate());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, keyFile, "does not match");
        assertNoKeyMaterial(e, keyFile);
    }

    @Test
    void rejectsCertificateFileThatIsNotPem() throws Exception {
        KeyPair keys = TestPki.ec();
        Path certFile = Files.write(
                dir.resolve("cert.der"), TestPki.cert("server", keys).build().getEncoded());
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, certFile, "is not PEM");
    }

    @Test
    void rejectsKeyFileThatIsNotPem() throws Exception {
        KeyPair keys = TestPki.ec();
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", keys).build());
        Path keyFile = Files.write(dir.resolve("key.der"), keys.getPrivate().getEncoded());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, keyFile, "is not PEM");
        String base64 =
                java.util.Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
        assertFalse(stackTrace(e).contains(base64.substring(0, 40)), "no key material");
    }

    @Test
    void rejectsEmptyCertificateFile() throws Exception {
        KeyPair keys = TestPki.ec();
        Path certFile = Files.writeString(dir.resolve("cert.pem"), "");
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, certFile, "is empty");
    }

    @Test
    void rejectsCertificateFileWithoutCertificate() throws Exception {
        KeyPair keys = TestPki.ec();
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(keyFile, keyFile));

        assertMessage(e, keyFile, "contains no '-----BEGIN CERTIFICATE-----' block");
        assertNoKeyMaterial(e, keyFile);
    }

    @Test
    void rejectsSwappedCertificateAndKeyFilesSayingSo() throws Exception {
        KeyPair keys = TestPki.ec();
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", keys).build());

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, certFile));

        assertMessage(e, certFile, "swapped");
    }

    enum Encryption {
        PKCS8_ENCRYPTED_PRIVATE_KEY,
        OPENSSL_LEGACY_PROC_TYPE
    }

    @ParameterizedTest
    @EnumSource(Encryption.class)
    void rejectsEncryptedKey(Encryption encryption) throws Exception {
        KeyPair keys = TestPki.rsa();
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", keys).build());
        char[] password = "correct horse".toCharArray();
        Object encrypted = switch (encryption) {
            case PKCS8_ENCRYPTED_PRIVATE_KEY ->
                new JcaPKCS8Generator(
                                keys.getPrivate(),
                                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                                        .setProvider(TestPki.BC)
                                        .setPassword(password)
                                        .build())
                        .generate();
            case OPENSSL_LEGACY_PROC_TYPE ->
                new JcaMiscPEMGenerator(
                                keys.getPrivate(),
                                new JcePEMEncryptorBuilder("AES-128-CBC")
                                        .setProvider(TestPki.BC)
                                        .build(password))
                        .generate();
        };
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), encrypted);
        assertTrue(Files.readString(keyFile).contains("ENCRYPTED"), "the test writes an encrypted key");

        var e = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, keyFile));

        assertMessage(e, keyFile, "is encrypted");
        assertNoKeyMaterial(e, keyFile);
    }

    @Test
    void rejectsMissingCertificateOrKeyFile() throws Exception {
        KeyPair keys = TestPki.ec();
        Path certFile = TestPki.writePem(
                dir.resolve("cert.pem"), TestPki.cert("server", keys).build());
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), keys.getPrivate());
        Path missing = dir.resolve("missing.pem");

        var noCert = assertThrows(SecretsException.class, () -> TlsCertificates.load(missing, keyFile));
        var noKey = assertThrows(SecretsException.class, () -> TlsCertificates.load(certFile, missing));

        assertMessage(noCert, missing, "TLS certificate file " + missing + " does not exist");
        assertMessage(noKey, missing, "TLS private key file " + missing + " does not exist");
    }

    @Test
    void keyPairToStringShowsNoKeyMaterial() throws Exception {
        var generated = TlsCertificates.selfSigned(List.of(), dir, false);
        TlsKeyPair pair = TlsCertificates.load(generated.certFile(), generated.keyFile());

        String text = pair.toString();

        assertTrue(text.contains("EC key"), text);
        for (String line : TestPki.base64Body(generated.keyFile())) {
            assertFalse(text.contains(line), "key material in toString");
        }
        assertFalse(text.contains(((ECPrivateKey) pair.privateKey()).getS().toString(16)), "private scalar");
    }

    private static void assertMessage(SecretsException e, Path file, String expected) {
        assertAll(
                () -> assertTrue(e.getMessage().contains(file.toString()), e.getMessage()),
                () -> assertTrue(e.getMessage().contains(expected), e.getMessage()));
    }

    /** Neither the message nor anything in the stack trace (causes included) may carry the key's PEM body. */
    private static void assertNoKeyMaterial(Throwable e, Path keyFile) throws IOException {
        List<String> body = TestPki.base64Body(keyFile);
        assertFalse(body.isEmpty(), "the key file has a body");
        String trace = stackTrace(e);
        for (String line : body) {
            assertFalse(trace.contains(line), "key material in exception");
        }
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static List<List<Object>> subjectAltNames(X509Certificate cert) throws Exception {
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        return names.stream().map(name -> List.<Object>copyOf(name)).toList();
    }

    private static boolean signsFor(PrivateKey key, PublicKey publicKey) throws Exception {
        byte[] data = "challenge".getBytes();
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(publicKey);
        verifier.update(data);
        return verifier.verify(signature);
    }

    private static BigInteger secretOf(PrivateKey key) {
        return switch (key) {
            case RSAPrivateKey rsa -> rsa.getPrivateExponent();
            case ECPrivateKey ec -> ec.getS();
            default -> throw new IllegalArgumentException(key.getAlgorithm());
        };
    }

    private static String posixMode(Path file) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private static List<Path> filesIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T captureLog(List<LogRecord> records, java.util.function.Supplier<T> action) {
        Logger logger = Logger.getLogger(TlsCertificates.class.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try {
            return action.get();
        } finally {
            logger.removeHandler(handler);
        }
    }
}
