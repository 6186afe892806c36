package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetupTokenTest {
    @TempDir
    Path dataDir;

    @Test
    void firstStartIssuesPrivateTokenAndStoresOnlyItsHash() throws Exception {
        String token;
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            token = SetupToken.create(store).pending().orElseThrow();
        }
        Path file = dataDir.resolve("setup-token");
        assertEquals(token, Files.readString(file).trim());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(token.length() >= 40, token);
        try (var files = Files.walk(dataDir.resolve("store"))) {
            for (Path stored : files.filter(Files::isRegularFile).toList()) {
                assertFalse(
                        new String(Files.readAllBytes(stored), java.nio.charset.StandardCharsets.ISO_8859_1)
                                .contains(token),
                        () -> "plain setup token found in " + stored);
            }
        }
    }

    @Test
    void restartShowsTheSamePendingToken() {
        String first;
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            first = SetupToken.create(store).pending().orElseThrow();
        }
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            assertEquals(first, SetupToken.create(store).pending().orElseThrow());
        }
    }

    @Test
    void tokenWorksOnceAndIsVoidAfterRestart() {
        String token;
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            SetupToken setup = SetupToken.create(store);
            token = setup.pending().orElseThrow();
            assertFalse(setup.consume("not-the-token"));
            assertTrue(setup.consume(token));
            assertFalse(setup.consume(token));
            assertTrue(setup.pending().isEmpty());
        }
        assertFalse(Files.exists(dataDir.resolve("setup-token")));
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            SetupToken setup = SetupToken.create(store);
            assertTrue(setup.pending().isEmpty());
            assertFalse(setup.consume(token));
        }
    }

    @Test
    void deletedTokenFileIsReplacedByAFreshToken() throws Exception {
        String first;
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            first = SetupToken.create(store).pending().orElseThrow();
        }
        Files.delete(dataDir.resolve("setup-token"));
        try (ApplianceStore store = ApplianceStore.open(dataDir, List.of())) {
            SetupToken setup = SetupToken.create(store);
            String second = setup.pending().orElseThrow();
            assertNotEquals(first, second);
            assertFalse(setup.consume(first));
            assertTrue(setup.consume(second));
        }
    }
}
