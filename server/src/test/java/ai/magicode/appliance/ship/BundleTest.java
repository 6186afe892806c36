package ai.magicode.appliance.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.secrets.SecretsException;
import ai.magicode.appliance.secrets.SigningKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
    private static final SigningKeys.KeyPair VENDOR = SigningKeys.generate();

    @TempDir
    Path dir;

    @BeforeEach
    void bundle() throws IOException {
        Files.createDirectories(dir.resolve("image"));
        Files.createDirectories(dir.resolve("chart"));
        Files.write(dir.resolve("image/magicode-appliance.tar"), new byte[] {1, 2, 3, 4});
        Files.writeString(dir.resolve("chart/magicode-0.1.0.tgz"), "chart");
        Files.writeString(dir.resolve("airgapped-values.yaml"), "airGapped: true\n");
        assertEquals(3, Bundle.seal(dir, VENDOR.privateKeyPem()));
    }

    @Test
    void sealedBundleVerifies() throws IOException {
        var verification = Bundle.verify(dir, VENDOR.publicKeyPem());
        assertTrue(verification.ok(), verification.problems()::toString);
        assertEquals(3, verification.files());
        // sha256sum -c reads the same manifest.
        String manifest = Files.readString(dir.resolve(Bundle.MANIFEST));
        assertTrue(manifest.contains("  image/magicode-appliance.tar\n"), manifest);
        assertEquals(
                "9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a  image/magicode-appliance.tar",
                manifest.lines().filter(l -> l.endsWith("tar")).findFirst().orElseThrow());
    }

    @Test
    void rejectsAnAlteredFile() throws IOException {
        Files.write(dir.resolve("image/magicode-appliance.tar"), new byte[] {1, 2, 3, 5});
        assertEquals(
                List.of("image/magicode-appliance.tar: SHA-256 differs from the manifest (altered)"),
                Bundle.verify(dir, VENDOR.publicKeyPem()).problems());
    }

    @Test
    void rejectsAnAddedOrRemovedFile() throws IOException {
        Files.writeString(dir.resolve("chart/extra.yaml"), "x");
        Files.delete(dir.resolve("airgapped-values.yaml"));
        var problems = Bundle.verify(dir, VENDOR.publicKeyPem()).problems();
        assertTrue(
                problems.contains("chart/extra.yaml: not in the manifest (added after signing)"), problems::toString);
        assertTrue(problems.contains("airgapped-values.yaml: listed but missing"), problems::toString);
    }

    @Test
    void rejectsAManifestRewrittenToMatchATamperedFile() throws IOException {
        Files.writeString(dir.resolve("airgapped-values.yaml"), "airGapped: false\n");
        // The attacker recomputes the hash, but cannot re-sign without the vendor's key.
        String manifest = Files.readString(dir.resolve(Bundle.MANIFEST));
        String forged = manifest.lines()
                .map(l -> l.endsWith("airgapped-values.yaml")
                        ? sha256Line("airGapped: false\n", "airgapped-values.yaml")
                        : l)
                .reduce("", (a, l) -> a + l + "\n");
        Files.writeString(dir.resolve(Bundle.MANIFEST), forged);
        var problems = Bundle.verify(dir, VENDOR.publicKeyPem()).problems();
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.getFirst().contains("signature does not match"), problems::toString);
    }

    @Test
    void rejectsABundleSignedWithAnotherKey() {
        var other = SigningKeys.generate();
        Bundle.seal(dir, other.privateKeyPem());
        var verification = Bundle.verify(dir, VENDOR.publicKeyPem());
        assertFalse(verification.ok());
        assertTrue(verification.problems().getFirst().contains("signature does not match"));
    }

    @Test
    void rejectsAMissingSignatureAndAPathOutsideTheBundle() throws IOException {
        Files.writeString(
                dir.resolve(Bundle.MANIFEST),
                Files.readString(dir.resolve(Bundle.MANIFEST)) + "0".repeat(64) + "  ../../etc/passwd\n");
        assertTrue(Bundle.verify(dir, VENDOR.publicKeyPem()).problems().stream()
                .anyMatch(p -> p.contains("malformed line")));
        Files.delete(dir.resolve(Bundle.SIGNATURE));
        assertFalse(Bundle.verify(dir, VENDOR.publicKeyPem()).ok());
    }

    @Test
    void keysAreEd25519PemAndSignaturesDependOnTheData() {
        assertTrue(VENDOR.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(VENDOR.publicKeyPem().startsWith("-----BEGIN PUBLIC KEY-----\n"));
        byte[] signature = SigningKeys.sign(VENDOR.privateKeyPem(), "a".getBytes());
        assertEquals(64, signature.length);
        assertTrue(SigningKeys.verify(VENDOR.publicKeyPem(), "a".getBytes(), signature));
        assertFalse(SigningKeys.verify(VENDOR.publicKeyPem(), "b".getBytes(), signature));
        assertFalse(VENDOR.toString().contains("PRIVATE"), "toString names only the public key");
        assertThrows(SecretsException.class, () -> SigningKeys.sign(VENDOR.publicKeyPem(), new byte[1]));
    }

    private static String sha256Line(String content, String name) {
        try {
            var digest = java.security.MessageDigest.getInstance("SHA-256").digest(content.getBytes());
            return java.util.HexFormat.of().formatHex(digest) + "  " + name;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
