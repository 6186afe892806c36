package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.AuditSigningKey;
import ai.magicode.appliance.audit.AuditVerifier;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.Restore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening the data dir: the audit log's signing key lives in the vault; backups carry the audit log. */
class DataDirTest {
    @TempDir
    Path root;

    private ApplianceConfig config(Path dataDir) {
        return ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString()));
    }

    @Test
    void signingKeyIsMadeInTheVaultAndNoKeyFileIsWritten() throws IOException {
        Path dataDir = root.resolve("data");
        String seed;
        try (DataDir data = DataDir.open(config(dataDir))) {
            data.audit().append(AuditEvent.of("test.one", "x").success());
            seed = HexFormat.of()
                    .formatHex(data.vault()
                            .read(Vault.APPLIANCE, AuditSigningKey.NAME)
                            .orElseThrow());
        }
        assertFalse(Files.exists(dataDir.resolve("audit/signing.key")));
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = HexFormat.of().formatHex(Files.readAllBytes(file));
                assertFalse(content.contains(seed), "the signing seed lies unsealed in " + file);
            }
        }
        try (DataDir data = DataDir.open(config(dataDir))) {
            assertEquals(
                    seed,
                    HexFormat.of()
                            .formatHex(data.vault()
                                    .read(Vault.APPLIANCE, AuditSigningKey.NAME)
                                    .orElseThrow()),
                    "the key is reused, not remade");
        }
        List<String> keys = Files.readAllLines(dataDir.resolve("audit/public-keys"), StandardCharsets.UTF_8);
        assertEquals(1, keys.size(), "one signing key over two starts: " + keys);
        AuditVerifier.Verification verification = AuditVerifier.verify(dataDir.resolve("audit"), Optional.empty());
        assertTrue(verification.ok(), String.valueOf(verification.problem()));
    }

    @Test
    void vaultEventsFromBeforeTheLogOpenedAreAuditedFirst() throws IOException {
        Path dataDir = root.resolve("data");
        try (DataDir data = DataDir.open(config(dataDir))) {
            data.audit().append(AuditEvent.of("test.after", "x").success());
        }
        List<String> actions = actions(dataDir);
        assertEquals("secret.create", actions.getFirst(), actions.toString());
        assertTrue(
                Files.readAllLines(dataDir.resolve("audit/segment-000001.jsonl"))
                        .getFirst()
                        .contains(AuditSigningKey.NAME),
                "the first entry records the signing key's creation");
        assertEquals("test.after", actions.get(1));
    }

    @Test
    void anEarlierVersionsKeyFileIsImportedIntoTheVaultThenDeleted() throws IOException {
        Path dataDir = root.resolve("data");
        Files.createDirectories(dataDir.resolve("audit"));
        byte[] legacy = AuditSigningKey.generate();
        Files.write(dataDir.resolve("audit/signing.key"), legacy);
        try (DataDir data = DataDir.open(config(dataDir))) {
            assertEquals(
                    HexFormat.of().formatHex(legacy),
                    HexFormat.of()
                            .formatHex(data.vault()
                                    .read(Vault.APPLIANCE, AuditSigningKey.NAME)
                                    .orElseThrow()));
        }
        assertFalse(Files.exists(dataDir.resolve("audit/signing.key")));
    }

    @Test
    void backupHoldsAVerifiedAuditLogThatRestoreBringsBackIntoAnEmptyDataDir() throws IOException {
        Path dataDir = root.resolve("data");
        Path backup = root.resolve("backup");
        long entries;
        try (DataDir data = DataDir.open(config(dataDir))) {
            for (int i = 0; i < 50; i++) {
                data.audit().append(AuditEvent.of("test.before-backup", "t" + i).success());
            }
            Appliance.backup(data.store(), data.audit(), backup);
            entries = AuditVerifier.verify(backup.resolve("audit"), Optional.empty())
                    .entries();
        }
        assertTrue(entries >= 50, "entries in the backup's log: " + entries);

        // Disaster: a new data dir with only the master key file saved from the old one.
        Path fresh = root.resolve("fresh");
        Files.createDirectories(fresh.resolve("secrets"));
        Files.copy(dataDir.resolve("secrets/master.key"), fresh.resolve("secrets/master.key"));
        Restore restore = ApplianceStore.restore(backup, fresh);
        assertEquals(List.of("audit"), restore.restoredAlongside());
        AuditVerifier.Verification restored = AuditVerifier.verify(fresh.resolve("audit"), Optional.empty());
        assertTrue(restored.ok(), String.valueOf(restored.problem()));
        assertEquals(entries, restored.entries());
        try (DataDir data = DataDir.open(config(fresh))) {
            data.audit().append(AuditEvent.of("test.after-restore", "x").success());
        }
        AuditVerifier.Verification continued = AuditVerifier.verify(fresh.resolve("audit"), Optional.empty());
        assertTrue(continued.ok(), "the restored log goes on with the restored vault's key: " + continued.problem());

        // A data dir that still has its log keeps it: it is newer than the backup's.
        long before =
                AuditVerifier.verify(dataDir.resolve("audit"), Optional.empty()).entries();
        Restore again = ApplianceStore.restore(backup, dataDir);
        assertEquals(List.of("audit"), again.keptCurrent());
        assertEquals(
                before,
                AuditVerifier.verify(dataDir.resolve("audit"), Optional.empty()).entries());
    }

    private static List<String> actions(Path dataDir) throws IOException {
        return Files.readAllLines(dataDir.resolve("audit/segment-000001.jsonl")).stream()
                .map(l -> l.replaceAll(".*\"action\":\"([^\"]+)\".*", "$1"))
                .toList();
    }
}
