package ai.magicode.appliance.secrets;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Null;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.IPAddress;

/** Loads the operator's TLS certificate chain and private key from PEM files, or generates a self-signed pair. */
public final class TlsCertificates {
    private static final System.Logger LOGGER = System.getLogger(TlsCertificates.class.getName());

    /** 397 days: the longest validity browsers accept for a server certificate (CA/Browser Forum, 398 days). */
    static final Duration VALIDITY = Duration.ofDays(397);

    private static final String CERT_FILE = "TLS certificate file";
    private static final String KEY_FILE = "TLS private key file";
    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private TlsCertificates() {}

    /** A generated self-signed certificate and key: where they were written and how to recognise the certificate. */
    public record SelfSigned(Path certFile, Path keyFile, String sha256Fingerprint, Instant notAfter) {}

    /**
     * Reads a PEM certificate chain file (leaf first) and a PEM private key file (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA
     * PRIVATE KEY" or SEC1 "EC PRIVATE KEY"), and checks that the key belongs to the leaf certificate. Encrypted keys
     * are refused; an expired certificate is only logged as a warning.
     *
     * @throws SecretsException naming the file and what is wrong with it
     */
    public static TlsKeyPair load(Path certFile, Path keyFile) {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        List<X509Certificate> chain = readChain(certFile);
        PrivateKey key = readPrivateKey(keyFile, chain.getFirst());
        checkKeyMatches(key, keyFile, chain.getFirst(), certFile);
        warnIfNotValidNow(chain.getFirst(), certFile);
        return new TlsKeyPair(key, chain);
    }

    /**
     * Generates a self-signed ECDSA P-256 server certificate for {@code hosts} (DNS names or IP addresses, plus always
     * {@code localhost} and {@code 127.0.0.1}), valid for 397 days, and writes {@code cert.pem} and {@code key.pem}
     * (PKCS#8, mode 0600) into {@code dir}.
     *
     * @param overwrite whether existing {@code cert.pem}/{@code key.pem} may be replaced; when false they are refused
     * @throws SecretsException if a host is not a DNS name or IP address, a file exists, or the files cannot be written
     */
    public static SelfSigned selfSigned(List<String> hosts, Path dir, boolean overwrite) {
        Map<String, GeneralName> names = subjectAltNames(hosts);
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        if (!overwrite) {
            for (Path file : List.of(certFile, keyFile)) {
                if (Files.exists(file)) {
                    throw new SecretsException(
                            "Refusing to overwrite " + file + ": it already exists; move it away or ask to overwrite");
                }
            }
        }
        KeyPair keyPair = generateEcKeyPair();
        X509Certificate certificate = buildSelfSigned(keyPair, names);
        try {
            Files.createDirectories(dir);
            // The key goes first: if writing the certificate then fails, the old certificate no longer matches and
            // load() says so, rather than a new certificate silently pairing with an old key.
            PemFiles.writeAtomically(
                    keyFile, pem(new JcaPKCS8Generator(keyPair.getPrivate(), null)), PemFiles.OWNER_ONLY);
            PemFiles.writeAtomically(certFile, pem(certificate), PemFiles.WORLD_READABLE);
        } catch (IOException e) {
            throw new SecretsException(
                    "Cannot write the self-signed TLS certificate and key into " + dir + ": " + e, e);
        }
        String fingerprint = sha256Fingerprint(certificate);
        Instant notAfter = certificate.getNotAfter().toInstant();
        LOGGER.log(
                System.Logger.Level.INFO,
                "Generated a self-signed TLS certificate {0} for {1}, SHA-256 fingerprint {2}, valid until {3}",
                certFile,
                names.keySet(),
                fingerprint,
                notAfter);
        return new SelfSigned(certFile, keyFile, fingerprint, notAfter);
    }

    /** The SHA-256 fingerprint of a certificate as upper-case hex pairs joined by colons, as OpenSSL prints it. */
    static String sha256Fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static List<X509Certificate> readChain(Path certFile) {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> chain = new ArrayList<>();
        for (Object object : PemFiles.read(CERT_FILE, certFile)) {
            X509CertificateHolder holder = switch (object) {
                case X509CertificateHolder h -> h;
                case X509TrustedCertificateBlock block -> block.getCertificateHolder();
                default -> null; // a key or parameters bundled into the same file are not part of the chain
            };
            if (holder != null) {
                try {
                    chain.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new SecretsException(
                            CERT_FILE + " " + certFile + ": certificate " + (chain.size() + 1) + " cannot be read", e);
                }
            }
        }
        if (chain.isEmpty()) {
            throw new SecretsException(CERT_FILE + " " + certFile + " contains no '-----BEGIN CERTIFICATE-----' block");
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path keyFile, X509Certificate leaf) {
        List<PrivateKeyInfo> keys = new ArrayList<>();
        boolean hasCertificate = false;
        for (Object object : PemFiles.read(KEY_FILE, keyFile)) {
            switch (object) {
                case PrivateKeyInfo info -> keys.add(info);
                case PEMKeyPair pair -> keys.add(pair.getPrivateKeyInfo());
                case PEMEncryptedKeyPair ignored -> throw encrypted(keyFile);
                case PKCS8EncryptedPrivateKeyInfo ignored -> throw encrypted(keyFile);
                case X509CertificateHolder ignored -> hasCertificate = true;
                default -> {} // e.g. the "EC PARAMETERS" block that openssl ecparam writes before the key
            }
        }
        if (keys.isEmpty()) {
            throw new SecretsException(KEY_FILE + " " + keyFile + " contains no private key"
                    + (hasCertificate ? " but a certificate: are the certificate and key files swapped?" : ""));
        }
        if (keys.size() > 1) {
            throw new SecretsException(KEY_FILE + " " + keyFile + " contains " + keys.size()
                    + " private keys; give exactly one, the key of the leaf certificate");
        }
        try {
            // The JDK's own key factories, so the key works with any JSSE provider.
            return new JcaPEMKeyConverter().getPrivateKey(withCurveOf(leaf, keys.getFirst()));
        } catch (IOException | RuntimeException e) {
            throw new SecretsException(
                    KEY_FILE + " " + keyFile + " holds a private key of an unsupported or malformed kind", e);
        }
    }

    /**
     * A SEC1 "EC PRIVATE KEY" may leave out its curve (Bouncy Castle's own PEM writer does), and then only the
     * certificate names it. A key that does not belong to the certificate still fails the possession check.
     */
    private static PrivateKeyInfo withCurveOf(X509Certificate leaf, PrivateKeyInfo key) throws IOException {
        AlgorithmIdentifier keyAlgorithm = key.getPrivateKeyAlgorithm();
        boolean curveMissing = keyAlgorithm.getParameters() == null || keyAlgorithm.getParameters() instanceof ASN1Null;
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(keyAlgorithm.getAlgorithm()) || !curveMissing) {
            return key;
        }
        AlgorithmIdentifier certAlgorithm = SubjectPublicKeyInfo.getInstance(
                        leaf.getPublicKey().getEncoded())
                .getAlgorithm();
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(certAlgorithm.getAlgorithm())) {
            return key;
        }
        return new PrivateKeyInfo(certAlgorithm, key.parsePrivateKey());
    }

    private static SecretsException encrypted(Path keyFile) {
        return new SecretsException(KEY_FILE + " " + keyFile
                + " is encrypted, and the server cannot ask for a passphrase; decrypt it first, for example with"
                + " 'openssl pkey -in encrypted.pem -out key.pem', and protect the file with mode 0600 instead");
    }

    /** Proves possession: signs a random challenge with the key and verifies it with the certificate's public key. */
    private static void checkKeyMatches(PrivateKey key, Path keyFile, X509Certificate leaf, Path certFile) {
        PublicKey publicKey = leaf.getPublicKey();
        String mismatch = KEY_FILE + " " + keyFile + " does not match the first certificate in " + certFile + " ("
                + leaf.getSubjectX500Principal().getName() + ")";
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            throw new SecretsException(mismatch + ": the key is " + key.getAlgorithm() + ", the certificate's key is "
                    + publicKey.getAlgorithm());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default ->
                throw new SecretsException(KEY_FILE + " " + keyFile + " holds a " + key.getAlgorithm()
                        + " key; TLS keys must be RSA, EC or EdDSA");
        };
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new SecretsException(mismatch, e);
        }
        if (!matches) {
            throw new SecretsException(mismatch);
        }
    }

    private static void warnIfNotValidNow(X509Certificate leaf, Path certFile) {
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            LOGGER.log(
                    System.Logger.Level.WARNING,
                    "The TLS certificate in {0} expired at {1}; clients will refuse it until it is renewed",
                    certFile,
                    leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            LOGGER.log(
                    System.Logger.Level.WARNING,
                    "The TLS certificate in {0} is not valid before {1}; clients will refuse it until then",
                    certFile,
                    leaf.getNotBefore().toInstant());
        }
    }

    /** The subject alternative names by their text, user's hosts first, without duplicates. */
    private static Map<String, GeneralName> subjectAltNames(List<String> hosts) {
        Map<String, GeneralName> names = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(hosts);
        all.add("localhost");
        all.add("127.0.0.1");
        for (String host : all) {
            Objects.requireNonNull(host, "host");
            String name = host.strip();
            if (name.startsWith("[") && name.endsWith("]")) {
                name = name.substring(1, name.length() - 1); // an IPv6 address as written in URLs
            }
            if (IPAddress.isValid(name)) {
                // Keyed by the canonical address, so "::1" and "0:0:0:0:0:0:0:1" are one name.
                names.putIfAbsent(canonicalIp(name), new GeneralName(GeneralName.iPAddress, name));
            } else {
                String dns = name.toLowerCase(Locale.ROOT);
                if (dns.endsWith(".")) {
                    dns = dns.substring(0, dns.length() - 1);
                }
                if (dns.length() > 253 || !DNS_NAME.matcher(dns).matches()) {
                    throw new SecretsException("Cannot put '" + host
                            + "' into a TLS certificate: it is neither a DNS name nor an IP address");
                }
                names.putIfAbsent(dns, new GeneralName(GeneralName.dNSName, dns));
            }
        }
        return names;
    }

    private static String canonicalIp(String literal) {
        try {
            // A literal that IPAddress accepted: parsed locally, no name lookup.
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            throw new SecretsException("Cannot put '" + literal + "' into a TLS certificate: not an IP address", e);
        }
    }

    private static KeyPair generateEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Every JDK can generate P-256 keys", e);
        }
    }

    private static X509Certificate buildSelfSigned(KeyPair keyPair, Map<String, GeneralName> names) {
        // A few minutes of slack for clients whose clocks run behind; X.509 times have whole seconds.
        Instant notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
        Instant notAfter = notBefore.plus(Duration.ofMinutes(5)).plus(VALIDITY);
        String commonName = names.keySet().iterator().next();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "MagiCode Appliance (self-signed)")
                .addRDN(BCStyle.CN, commonName.length() <= 64 ? commonName : "MagiCode Appliance")
                .build();
        // RFC 5280: positive, at most 20 octets; random so that regenerated certificates never share a serial.
        BigInteger serial = new BigInteger(159, new SecureRandom()).add(BigInteger.ONE);
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            var builder = new JcaX509v3CertificateBuilder(
                            subject, serial, Date.from(notBefore), Date.from(notAfter), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(names.values().toArray(GeneralName[]::new)))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA")
                    .setProvider(BouncyCastle.PROVIDER)
                    .build(keyPair.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("Cannot build a self-signed certificate", e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            if (object instanceof JcaPKCS8Generator generator) {
                writer.writeObject(generator.generate());
            } else {
                writer.writeObject(object);
            }
        }
        return out.toString();
    }

    /** Holds the provider instance, built on first use (it takes a while); never registered with {@code Security}. */
    private static final class BouncyCastle {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }
}
