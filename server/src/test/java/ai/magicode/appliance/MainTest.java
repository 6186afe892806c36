package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void unknownOptionPrintsUsageAndExitsTwo() {
        assertEquals(2, run("--frobnicate"));
        assertTrue(err.toString().contains("Unknown option: '--frobnicate'"), err.toString());
        assertTrue(err.toString().contains("Usage: magicode"), err.toString());
    }

    @Test
    void unknownCommandExitsTwo() {
        assertEquals(2, run("serve", "extra-argument"));
        assertTrue(err.toString().contains("Usage: magicode serve"), err.toString());
    }

    @Test
    void malformedConfigFileExitsTwoNamingTheKey() throws IOException {
        Path config = dir.resolve("magicode.yaml");
        Files.writeString(config, "server:\n  port: eighty\n");
        assertEquals(2, run("serve", "--config", config.toString()));
        assertTrue(err.toString().startsWith("Invalid configuration: server.port"), err.toString());
        assertTrue(err.toString().contains("file " + config), err.toString());
    }

    @Test
    void backupRequiresTarget() {
        assertEquals(2, run("backup"));
        assertTrue(err.toString().contains("Missing required option: '--to=DIR'"), err.toString());
    }

    @Test
    void tlsWithoutSubcommandIsAUsageError() {
        assertEquals(2, run("tls"));
        assertTrue(err.toString().contains("self-signed"), err.toString());
    }

    @Test
    void aCommandGroupWithoutSubcommandNamesThemAll() {
        for (var group : java.util.Map.of(
                        "audit", "verify",
                        "tls", "self-signed",
                        "bundle", "keygen, seal or verify",
                        "secrets", "put, list, delete, prune or rotate-master-key")
                .entrySet()) {
            err.getBuffer().setLength(0);
            assertEquals(2, run(group.getKey()), group.getKey());
            assertTrue(
                    err.toString().startsWith("Missing subcommand: " + group.getValue() + System.lineSeparator()),
                    err.toString());
        }
    }

    @Test
    void alternativesReadAsASentence() {
        assertEquals("", CommandGroup.alternatives(java.util.List.of()));
        assertEquals("a", CommandGroup.alternatives(java.util.List.of("a")));
        assertEquals("a or b", CommandGroup.alternatives(java.util.List.of("a", "b")));
        assertEquals("a, b or c", CommandGroup.alternatives(java.util.List.of("a", "b", "c")));
    }
}
