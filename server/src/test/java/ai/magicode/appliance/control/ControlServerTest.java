package ai.magicode.appliance.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
    @TempDir
    Path dataDir;

    @Test
    void runsCommandAndReturnsItsResult() {
        try (ControlServer server =
                ControlServer.start(dataDir, Map.of("echo", args -> Map.of("said", args.get("text"))))) {
            assertEquals(
                    "hello",
                    ControlClient.send(dataDir, "echo", Map.of("text", "hello"))
                            .orElseThrow()
                            .path("said")
                            .asText());
        }
    }

    @Test
    void socketDirectoryIsPrivate() throws Exception {
        try (ControlServer server = ControlServer.start(dataDir, Map.of())) {
            Path dir = ControlServer.socketPath(dataDir).getParent();
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        }
    }

    @Test
    void refusalReachesTheClientAsItsMessage() {
        try (ControlServer server = ControlServer.start(dataDir, Map.of("fail", args -> {
            throw new ControlException("target is not empty");
        }))) {
            ControlException e =
                    assertThrows(ControlException.class, () -> ControlClient.send(dataDir, "fail", Map.of()));
            assertEquals("target is not empty", e.getMessage());
        }
    }

    @Test
    void unknownCommandIsRefusedWithTheKnownOnes() {
        try (ControlServer server = ControlServer.start(dataDir, Map.of("backup", args -> Map.of()))) {
            ControlException e =
                    assertThrows(ControlException.class, () -> ControlClient.send(dataDir, "rm-rf", Map.of()));
            assertTrue(e.getMessage().contains("backup"), e.getMessage());
        }
    }

    @Test
    void malformedRequestLineIsRefused() {
        try (ControlServer server = ControlServer.start(dataDir, Map.of())) {
            assertEquals(false, server.answer("{not json").get("ok"));
            assertEquals(false, server.answer("{\"arguments\":{}}").get("ok"));
        }
    }

    @Test
    void noServerMeansEmptyAndAStaleSocketToo() throws Exception {
        assertTrue(ControlClient.send(dataDir, "backup", Map.of()).isEmpty());
        ControlServer server = ControlServer.start(dataDir, Map.of());
        server.close();
        assertTrue(ControlClient.send(dataDir, "backup", Map.of()).isEmpty());
    }
}
