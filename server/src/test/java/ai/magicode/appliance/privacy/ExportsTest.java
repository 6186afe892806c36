package ai.magicode.appliance.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportsTest {
    @TempDir
    Path dataDir;

    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();

    /** One kind holding a row per user of tenant acme: its tenant share is every row, a user's share their own. */
    private static DataInventory inventory() {
        Map<String, String> notes = Map.of("local:alice", "alice's note", "local:bob", "bob's note");
        return new DataInventory()
                .register(new TenantData(
                                "notes",
                                "memory",
                                "test",
                                "test",
                                List.of(),
                                (tenant, sink) -> sink.add("notes.json", List.copyOf(notes.values())),
                                tenant -> {})
                        .exportingUser((tenant, user, sink) -> sink.add(
                                "notes.json",
                                Optional.ofNullable(notes.get(user)).stream().toList())));
    }

    @Test
    void aUsersExportHoldsTheirShareOnlyAndReachesThemOnly() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of());
                Exports exports = new Exports(
                        store, dataDir, inventory(), tenant -> Duration.ofHours(1), audited::add, Clock.systemUTC())) {
            Exports.Created alice = exports.requestForUser(
                    "acme", "local:alice", Map.of("user", "local:alice"), Actor.user("local:alice"), "r1");
            awaitReady(exports, "local:alice", alice.export().id());

            assertEquals(List.of(), exports.listForUser("acme", "local:bob"), "bob sees none of alice's exports");
            assertTrue(exports.findForUser("acme", "local:bob", alice.export().id())
                    .isEmpty());
            assertTrue(
                    exports.findForUser("globex", "local:alice", alice.export().id())
                            .isEmpty());
            assertTrue(exports.find("acme", alice.export().id()).isEmpty(), "not listed as a tenant export");
            assertTrue(
                    exports.download(alice.export().id(), alice.token(), "r2").isEmpty(),
                    "not downloadable through the tenant exports' open link");
            assertTrue(
                    exports.downloadForUser("acme", "local:bob", alice.export().id(), alice.token(), "r3")
                            .isEmpty(),
                    "bob holding alice's link gets nothing");
            assertTrue(exports.downloadForUser(
                            "acme", "local:alice", alice.export().id(), "wrong", "r4")
                    .isEmpty());

            Path file = exports.downloadForUser(
                            "acme", "local:alice", alice.export().id(), alice.token(), "r5")
                    .orElseThrow();
            Map<String, String> archive = unzip(file);
            assertEquals("[\"alice'snote\"]", archive.get("notes.json").replaceAll("\\s", ""));
            assertTrue(archive.get("profile.json").contains("local:alice"));
            assertTrue(
                    archive.get("manifest.json").contains("\"user\" : \"local:alice\""), archive.get("manifest.json"));
            assertTrue(
                    exports.downloadForUser(
                                    "acme", "local:alice", alice.export().id(), alice.token(), "r6")
                            .isEmpty(),
                    "once");
            assertTrue(audited.stream()
                    .anyMatch(e -> e.action().equals("privacy.export.download")
                            && e.actor().id().equals("local:alice")
                            && "user".equals(e.fields().get("scope"))));
        }
    }

    @Test
    void deletingAUserRemovesTheirOwnExports() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of());
                Exports exports = new Exports(
                        store, dataDir, inventory(), tenant -> Duration.ofHours(1), audited::add, Clock.systemUTC())) {
            Exports.Created bob = exports.requestForUser("acme", "local:bob", Map.of(), Actor.user("local:bob"), "r1");
            awaitReady(exports, "local:bob", bob.export().id());
            assertTrue(Files.exists(dataDir.resolve("exports/" + bob.export().id() + ".zip")));
            exports.tenantData().eraseUser().accept("acme", "local:bob");
            assertEquals(List.of(), exports.listForUser("acme", "local:bob"));
            assertFalse(Files.exists(dataDir.resolve("exports/" + bob.export().id() + ".zip")));
        }
    }

    private static void awaitReady(Exports exports, String user, String id) {
        Instant deadline = Instant.now().plusSeconds(30);
        Exports.State state = Exports.State.BUILDING;
        while (state == Exports.State.BUILDING && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = exports.findForUser("acme", user, id).orElseThrow().state();
        }
        assertEquals(Exports.State.READY, state);
    }

    private static Map<String, String> unzip(Path file) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file);
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.put(entry.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }
}
