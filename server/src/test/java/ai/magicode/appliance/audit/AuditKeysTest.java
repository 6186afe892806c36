package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crypto-shredding: a tenant's and a user's values are sealed on disk, readable with their key, erased without it. */
class AuditKeysTest {
    @TempDir
    Path dir;

    private static AuditEvent event(String tenant, String user, String target) {
        return AuditEvent.of("secret.create", target)
                .tenant(tenant)
                .actor(Actor.user(user))
                .requestId("req-1")
                .field("name", target + "-field")
                .success();
    }

    private List<AuditEntry> read(AuditLog log, Optional<String> tenant) {
        return log.query(new AuditQuery(
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        tenant,
                        1,
                        Integer.MAX_VALUE))
                .entries();
    }

    private String files() throws IOException {
        StringBuilder text = new StringBuilder();
        try (var walk = Files.list(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                text.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    @Test
    void tenantValuesAreSealedOnDiskAndOpenedForReaders() throws IOException {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            log.append(event("zanzibar", "local:alice", "quixotic-secret"));
            log.append(AuditEvent.of("audit.platform", "platform-target").success());
            List<AuditEntry> entries = read(log, Optional.of("zanzibar"));
            assertEquals(1, entries.size(), "the tenant filter finds the sealed entry by its name");
            AuditEntry entry = entries.getFirst();
            assertEquals("zanzibar", entry.tenant());
            assertEquals("local:alice", entry.actor().id());
            assertEquals("quixotic-secret", entry.target());
            assertEquals("quixotic-secret-field", entry.fields().get("name"));
            assertEquals("req-1", entry.requestId());
        }
        String disk = files();
        for (String needle : List.of("zanzibar", "alice", "quixotic")) {
            assertFalse(disk.contains(needle), needle + " is on disk in plain text");
        }
        assertTrue(disk.contains("platform-target"), "platform entries are not sealed");
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            assertEquals(
                    "quixotic-secret",
                    read(log, Optional.of("zanzibar")).getFirst().target(),
                    "the keys survive a restart");
        }
    }

    @Test
    void destroyingATenantsKeysErasesItsEntriesAndTheChainStillVerifies() throws IOException {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            log.append(event("zanzibar", "local:alice", "quixotic-secret"));
            log.append(event("other", "local:bob", "kept-secret"));
            log.append(AuditEvent.of("privacy.tenant.delete", "zanzibar").success());
            assertEquals(2, log.shredTenant("zanzibar"), "the tenant's key and its user's key");
            assertEquals(0, log.shredTenant("zanzibar"), "idempotent");
            List<AuditEntry> all = read(log, Optional.empty());
            AuditEntry erased = all.get(0);
            assertEquals(AuditKeys.ERASED, erased.tenant());
            assertEquals(AuditKeys.ERASED, erased.target());
            assertEquals(AuditKeys.ERASED, erased.actor().id());
            assertEquals(AuditKeys.ERASED, erased.fields().get("name"));
            assertEquals("secret.create", erased.action(), "what happened stays; whom it concerned does not");
            assertEquals("kept-secret", all.get(1).target(), "other tenants are untouched");
            assertEquals("zanzibar", all.get(2).target(), "the tombstone names the tenant");
            assertTrue(read(log, Optional.of("zanzibar")).isEmpty());
            assertTrue(log.checkIntegrity().ok(), "the chain covers the sealed bytes");
        }
        assertTrue(AuditVerifier.verify(dir, Optional.empty()).ok());
        String keys = Files.readString(dir.resolve(AuditKeys.FILE));
        assertFalse(keys.contains("zanzibar"), "the key file names no tenant");
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            assertEquals(AuditKeys.ERASED, read(log, Optional.empty()).get(0).target(), "erased for good");
        }
    }

    @Test
    void destroyingAUsersKeyErasesOnlyWhereThatUserActed() {
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            log.append(event("zanzibar", "local:alice", "one"));
            log.append(event("zanzibar", "local:bob", "two"));
            assertTrue(log.shredUser("zanzibar", "local:alice"));
            List<AuditEntry> all = read(log, Optional.of("zanzibar"));
            assertEquals(AuditKeys.ERASED, all.get(0).actor().id());
            assertEquals("one", all.get(0).target(), "the tenant's values stay readable");
            assertEquals("local:bob", all.get(1).actor().id());
        }
    }

    @Test
    void entriesWrittenBeforeSealingStillVerifyAndRead() throws IOException {
        // A segment as earlier versions wrote it: plain values.
        EntryCodec.Encoded legacy = EntryCodec.encode(
                EntryCodec.sha256(),
                1,
                Instant.parse("2026-01-01T00:00:00Z"),
                event("zanzibar", "local:alice", "legacy-target"),
                EntryCodec.GENESIS);
        Files.write(dir.resolve(AuditFiles.segmentName(1)), legacy.line());
        try (AuditLog log = AuditLogs.open(dir, AuditLogs.config(100))) {
            log.append(event("zanzibar", "local:alice", "new-target"));
            List<AuditEntry> entries = read(log, Optional.of("zanzibar"));
            assertEquals(
                    List.of("legacy-target", "new-target"),
                    entries.stream().map(AuditEntry::target).toList());
            assertTrue(log.checkIntegrity().ok());
        }
        assertTrue(AuditVerifier.verify(dir, Optional.empty()).ok());
    }
}
