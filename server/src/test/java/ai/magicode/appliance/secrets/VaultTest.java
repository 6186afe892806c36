package ai.magicode.appliance.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.secrets.VaultState.SecretRecord;
import ai.magicode.appliance.store.ApplianceStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultTest {
    private static final Actor ADMIN = Actor.user("alice");
    private static final String CANARY = "canary-Zx81-vault-test-value";

    @TempDir
    Path dataDir;

    private final List<AuditEvent> events = new ArrayList<>();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private <T> T withVault(MasterKeySource source, java.util.function.Function<Vault, T> action) {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            return action.apply(Vault.open(store, source, events::add));
        }
    }

    private <T> T withVault(java.util.function.Function<Vault, T> action) {
        return withVault(MasterKeySource.file(dataDir), action);
    }

    @Test
    void readsBackWhatItStoredAfterReopening() {
        withVault(vault -> vault.put("acme", "github.key", bytes(CANARY), ADMIN, "r1"));
        byte[] read = withVault(vault -> vault.read("acme", "github.key").orElseThrow());
        assertEquals(CANARY, new String(read, StandardCharsets.UTF_8));
    }

    @Test
    void createsKeyFileWithModeSixHundred() throws IOException {
        withVault(Vault::masterKeyId);
        Path key = dataDir.resolve(MasterKeySource.KEY_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(32, Base64.getDecoder().decode(Files.readString(key).trim()).length);
    }

    @Test
    void neverReturnsAnotherTenantsSecret() {
        withVault(vault -> {
            vault.put("tenant-a", "shared-name", bytes("a-value"), ADMIN, "-");
            assertTrue(vault.read("tenant-b", "shared-name").isEmpty());
            assertTrue(vault.list("tenant-b").isEmpty());
            assertFalse(vault.delete("tenant-b", "shared-name", ADMIN, "-"));
            assertTrue(vault.prune("tenant-b", "shared-name", ADMIN, "-").isEmpty());
            vault.put("tenant-b", "shared-name", bytes("b-value"), ADMIN, "-");
            assertEquals(
                    "a-value", new String(vault.read("tenant-a", "shared-name").orElseThrow()));
            assertEquals(
                    "b-value", new String(vault.read("tenant-b", "shared-name").orElseThrow()));
            assertEquals(1, vault.list("tenant-a").size());
            return null;
        });
    }

    @Test
    void ciphertextMovedToAnotherTenantFailsItsIntegrityCheck() {
        withVault(vault -> {
            vault.put("tenant-a", "key", bytes("a-value"), ADMIN, "-");
            vault.put("tenant-b", "key", bytes("b-value"), ADMIN, "-");
            return null;
        });
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            VaultState state = store.section(Vault.SECTION, VaultState.class, VaultState::new);
            SecretRecord a = state.secrets.get(VaultState.key("tenant-a", "key"));
            SecretRecord b = state.secrets.get(VaultState.key("tenant-b", "key"));
            // An attacker with write access to the store swaps tenant A's sealed version into tenant B's record.
            state.secrets.put(VaultState.key("tenant-b", "key"), b.withVersions(a.versions()));
            Vault vault = Vault.open(store, MasterKeySource.file(dataDir), events::add);
            SecretsException e = assertThrows(SecretsException.class, () -> vault.read("tenant-b", "key"));
            assertTrue(e.getMessage().contains("integrity"), e.getMessage());
        }
    }

    @Test
    void replacingKeepsPreviousVersionReadableUntilPruned() {
        withVault(vault -> {
            SecretInfo first = vault.put("acme", "api", bytes("one"), ADMIN, "-");
            SecretInfo second = vault.put("acme", "api", bytes("two"), ADMIN, "-");
            assertEquals(1, first.version());
            assertTrue(first.rotated().isEmpty());
            assertEquals(2, second.version());
            assertEquals(2, second.versions());
            assertTrue(second.rotated().isPresent());
            assertEquals(first.created(), second.created());
            assertEquals("two", new String(vault.read("acme", "api").orElseThrow()));
            assertEquals("one", new String(vault.read("acme", "api", 1).orElseThrow()));
            assertEquals(1, vault.prune("acme", "api", ADMIN, "-").orElseThrow());
            assertTrue(vault.read("acme", "api", 1).isEmpty());
            assertEquals("two", new String(vault.read("acme", "api").orElseThrow()));
            assertEquals(1, vault.info("acme", "api").orElseThrow().versions());
            return null;
        });
    }

    @Test
    void deleteRemovesAllVersionsAndARecreatedSecretStartsAtVersionOne() {
        withVault(vault -> {
            vault.put("acme", "api", bytes("one"), ADMIN, "-");
            vault.put("acme", "api", bytes("two"), ADMIN, "-");
            assertTrue(vault.delete("acme", "api", ADMIN, "-"));
            assertTrue(vault.read("acme", "api").isEmpty());
            assertTrue(vault.read("acme", "api", 1).isEmpty());
            assertEquals(1, vault.put("acme", "api", bytes("three"), ADMIN, "-").version());
            return null;
        });
    }

    @Test
    void fingerprintIsAKeyedHashNotAPlainOne() {
        SecretInfo info = withVault(vault -> vault.put("acme", "pin", bytes("1234"), ADMIN, "-"));
        assertEquals(16, info.fingerprint().length());
        assertNotEquals(sha256Prefix("1234"), info.fingerprint());
        withVault(vault -> {
            assertEquals(
                    info.fingerprint(),
                    vault.put("acme", "pin", bytes("1234"), ADMIN, "-").fingerprint());
            assertNotEquals(
                    info.fingerprint(),
                    vault.put("acme", "pin", bytes("1235"), ADMIN, "-").fingerprint());
            assertNotEquals(
                    info.fingerprint(),
                    vault.put("other", "pin", bytes("1234"), ADMIN, "-").fingerprint());
            return null;
        });
    }

    private static String sha256Prefix(String value) {
        try {
            return HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes(value)), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void reportsEveryChangeWithoutTheValue() {
        withVault(vault -> {
            vault.put("acme", "api", bytes(CANARY), ADMIN, "req-1");
            vault.put("acme", "api", bytes(CANARY + "2"), ADMIN, "req-2");
            vault.prune("acme", "api", ADMIN, "req-3");
            vault.delete("acme", "api", ADMIN, "req-4");
            vault.rotateMasterKey(Optional.empty(), Actor.system());
            return null;
        });
        assertEquals(
                List.of("secret.create", "secret.replace", "secret.prune", "secret.delete", "secret.master-key.rotate"),
                events.stream().map(AuditEvent::action).toList());
        AuditEvent created = events.getFirst();
        assertEquals("acme", created.tenant());
        assertEquals("api", created.target());
        assertEquals(ADMIN, created.actor());
        assertEquals("req-1", created.requestId());
        assertEquals("1", created.fields().get("version"));
        assertFalse(events.toString().contains("canary"), events.toString());
    }

    @Test
    void refusesBadNamesAndOversizedValues() {
        withVault(vault -> {
            for (String name : List.of("", "Upper", "-dash-first", "a/b", "x".repeat(101), "spa ce")) {
                assertThrows(SecretsException.class, () -> vault.put("acme", name, bytes("v"), ADMIN, "-"), name);
            }
            SecretsException e = assertThrows(
                    SecretsException.class,
                    () -> vault.put("acme", "big", new byte[Vault.MAX_VALUE_BYTES + 1], ADMIN, "-"));
            assertTrue(e.getMessage().contains("65536"), e.getMessage());
            vault.put("acme", "max", new byte[Vault.MAX_VALUE_BYTES], ADMIN, "-");
            return null;
        });
    }

    @Test
    void storeFilesHoldNoPlaintextValue() throws IOException {
        withVault(vault -> vault.put("acme", "api", bytes(CANARY), ADMIN, "-"));
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(CANARY), file.toString());
                assertFalse(content.contains(HexFormat.of().formatHex(bytes(CANARY))), file.toString());
            }
        }
    }

    @Test
    void refusesToStartWithAnotherKeyOverSealedData() throws IOException {
        String keyId = withVault(vault -> {
            vault.put("acme", "api", bytes("v"), ADMIN, "-");
            return vault.masterKeyId();
        });
        Path keyFile = dataDir.resolve(MasterKeySource.KEY_FILE);
        String wrongKey = Base64.getEncoder().encodeToString(new byte[32]);
        Files.writeString(keyFile, wrongKey);
        SecretsException e = assertThrows(SecretsException.class, () -> withVault(Vault::masterKeyId));
        assertTrue(e.getMessage().contains(keyFile.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(keyId), e.getMessage());
        assertFalse(e.getMessage().contains(wrongKey), e.getMessage());
    }

    @Test
    void refusesToStartWithANewKeyWhenTheKeyFileIsLost() throws IOException {
        withVault(vault -> vault.put("acme", "api", bytes("v"), ADMIN, "-"));
        Path keyFile = dataDir.resolve(MasterKeySource.KEY_FILE);
        Files.delete(keyFile);
        SecretsException e = assertThrows(SecretsException.class, () -> withVault(Vault::masterKeyId));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("empty vault"), e.getMessage());
        assertFalse(Files.exists(keyFile), "a new key file was created over sealed data");
    }

    @Test
    void refusesMalformedKeyNamingTheSourceWithoutTheKey() {
        String malformed = "bm90LWEta2V5LXNlY3JldC10ZXh0";
        MasterKeySource env = MasterKeySource.env("MY_KEY", Map.of("MY_KEY", malformed));
        SecretsException e = assertThrows(SecretsException.class, () -> withVault(env, Vault::masterKeyId));
        assertTrue(e.getMessage().contains("MY_KEY"), e.getMessage());
        assertFalse(e.getMessage().contains(malformed), e.getMessage());
        SecretsException missing = assertThrows(
                SecretsException.class, () -> withVault(MasterKeySource.env("MY_KEY", Map.of()), Vault::masterKeyId));
        assertTrue(missing.getMessage().contains("environment variable MY_KEY"), missing.getMessage());
        SecretsException mounted = assertThrows(
                SecretsException.class,
                () -> withVault(MasterKeySource.mountedFile(dataDir.resolve("absent.key")), Vault::masterKeyId));
        assertTrue(mounted.getMessage().contains("absent.key"), mounted.getMessage());
    }

    @Test
    void opensWithKeyFromEnvironmentAndMountedFile() throws IOException {
        String key = Base64.getEncoder().encodeToString(HexFormat.of().parseHex("11".repeat(32)));
        MasterKeySource env = MasterKeySource.env("MK", Map.of("MK", key));
        withVault(env, vault -> vault.put("acme", "api", bytes("v"), ADMIN, "-"));
        Path mounted = dataDir.resolve("mounted.key");
        Files.writeString(mounted, key + "\n");
        assertEquals(
                "v",
                new String(withVault(MasterKeySource.mountedFile(mounted), v -> v.read("acme", "api"))
                        .orElseThrow()));
        assertFalse(Files.exists(dataDir.resolve(MasterKeySource.KEY_FILE)));
    }

    @Test
    void rotationRewrapsKeysWithoutReencryptingPayloads() throws IOException {
        Path keyFile = dataDir.resolve(MasterKeySource.KEY_FILE);
        withVault(vault -> {
            vault.put("acme", "one", bytes("first"), ADMIN, "-");
            vault.put("acme", "one", bytes("second"), ADMIN, "-");
            vault.put("other", "two", bytes("third"), ADMIN, "-");
            return null;
        });
        String oldKey = Files.readString(keyFile);
        List<byte[]> ciphertextsBefore = ciphertexts();
        MasterKeyRotation rotation = withVault(vault -> {
            MasterKeyRotation r = vault.rotateMasterKey(Optional.empty(), Actor.system());
            assertEquals("second", new String(vault.read("acme", "one").orElseThrow()));
            return r;
        });
        assertEquals(3, rotation.rewrappedKeys());
        assertNotEquals(rotation.previousKeyId(), rotation.newKeyId());
        assertNotEquals(oldKey, Files.readString(keyFile));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.previous")));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.next")));
        List<byte[]> ciphertextsAfter = ciphertexts();
        assertEquals(ciphertextsBefore.size(), ciphertextsAfter.size());
        for (int i = 0; i < ciphertextsBefore.size(); i++) {
            assertArrayEquals(ciphertextsBefore.get(i), ciphertextsAfter.get(i));
        }
        withVault(vault -> {
            assertEquals(rotation.newKeyId(), vault.masterKeyId());
            assertEquals("first", new String(vault.read("acme", "one", 1).orElseThrow()));
            assertEquals("third", new String(vault.read("other", "two").orElseThrow()));
            return null;
        });
        // The old key no longer opens the vault.
        Files.writeString(keyFile, oldKey);
        assertThrows(SecretsException.class, () -> withVault(Vault::masterKeyId));
    }

    private List<byte[]> ciphertexts() {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            VaultState state = store.section(Vault.SECTION, VaultState.class, VaultState::new);
            return state.secrets.values().stream()
                    .sorted(java.util.Comparator.comparing(SecretRecord::name))
                    .flatMap(r -> r.versions().stream())
                    .map(VaultState.SealedVersion::ciphertext)
                    .toList();
        }
    }

    @Test
    void crashAfterStoreCommitBeforeKeyFileMoveCompletesOnNextStart() throws IOException {
        Path keyFile = dataDir.resolve(MasterKeySource.KEY_FILE);
        withVault(vault -> vault.put("acme", "api", bytes("value"), ADMIN, "-"));
        String oldKey = Files.readString(keyFile);
        String newKeyId = withVault(
                vault -> vault.rotateMasterKey(Optional.empty(), Actor.system()).newKeyId());
        String newKey = Files.readString(keyFile);
        // The state a crash leaves between the store commit and the rename: the store is re-wrapped under the new
        // key, which is still in master.key.next; master.key and master.key.previous hold the old one.
        Files.writeString(keyFile, oldKey);
        Files.writeString(keyFile.resolveSibling("master.key.previous"), oldKey);
        Files.writeString(keyFile.resolveSibling("master.key.next"), newKey);

        withVault(vault -> {
            assertEquals(newKeyId, vault.masterKeyId());
            assertEquals("value", new String(vault.read("acme", "api").orElseThrow()));
            return null;
        });
        assertEquals(newKey, Files.readString(keyFile));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.previous")));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.next")));
    }

    @Test
    void crashBeforeStoreCommitKeepsTheOldKey() throws IOException {
        Path keyFile = dataDir.resolve(MasterKeySource.KEY_FILE);
        String keyId = withVault(vault -> {
            vault.put("acme", "api", bytes("value"), ADMIN, "-");
            return vault.masterKeyId();
        });
        String oldKey = Files.readString(keyFile);
        // The state a crash leaves after the first rotation step: both keys on disk, the store still under the old.
        Files.writeString(keyFile.resolveSibling("master.key.previous"), oldKey);
        Files.writeString(
                keyFile.resolveSibling("master.key.next"),
                Base64.getEncoder().encodeToString(HexFormat.of().parseHex("22".repeat(32))));

        withVault(vault -> {
            assertEquals(keyId, vault.masterKeyId());
            assertEquals("value", new String(vault.read("acme", "api").orElseThrow()));
            return null;
        });
        assertEquals(oldKey, Files.readString(keyFile));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.previous")));
        assertFalse(Files.exists(keyFile.resolveSibling("master.key.next")));
    }

    @Test
    void envSourceRotationNeedsTheNewKeyAndThenOnlyTheNewKeyOpens() throws IOException {
        String oldKey = Base64.getEncoder().encodeToString(HexFormat.of().parseHex("33".repeat(32)));
        String newKey = Base64.getEncoder().encodeToString(HexFormat.of().parseHex("44".repeat(32)));
        MasterKeySource before = MasterKeySource.env("MK", Map.of("MK", oldKey));
        withVault(before, vault -> {
            vault.put("acme", "api", bytes("value"), ADMIN, "-");
            SecretsException e =
                    assertThrows(SecretsException.class, () -> vault.rotateMasterKey(Optional.empty(), Actor.system()));
            assertTrue(e.getMessage().contains("--new-key-file"), e.getMessage());
            MasterKeyRotation rotation = vault.rotateMasterKey(Optional.of(bytes(newKey)), Actor.system());
            assertTrue(rotation.notice().contains("MK"), rotation.notice());
            assertEquals("value", new String(vault.read("acme", "api").orElseThrow()));
            return null;
        });
        SecretsException stale = assertThrows(SecretsException.class, () -> withVault(before, Vault::masterKeyId));
        assertTrue(stale.getMessage().contains("environment variable MK"), stale.getMessage());
        withVault(MasterKeySource.env("MK", Map.of("MK", newKey)), vault -> {
            assertEquals("value", new String(vault.read("acme", "api").orElseThrow()));
            return null;
        });
    }
}
