package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code magicode audit verify}, and the CLI auditing the store commands it runs itself. */
class AuditCommandTest {
    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    private record Run(int exit, String out) {}

    private Run run(String... args) {
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            return new Run(cli.execute(args), out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void verifyWithoutALogFails() {
        assertEquals(1, run("audit", "verify", "--data-dir", dir.toString()).exit());
    }

    @Test
    void backupAndRestoreWithNothingServingAreAuditedAndVerify() throws Exception {
        Path data = dir.resolve("data");
        Path backup = dir.resolve("backup");
        assertEquals(
                0,
                run("backup", "--to", backup.toString(), "--config", config(data))
                        .exit(),
                err.toString());
        assertEquals(
                0,
                run("restore", "--from", backup.toString(), "--config", config(data))
                        .exit(),
                err.toString());
        Run verify = run("audit", "verify", "--data-dir", data.toString());
        assertEquals(0, verify.exit(), verify.out());
        assertTrue(verify.out().startsWith("OK: 3 entries"), verify.out());
        List<String> lines = Files.readAllLines(data.resolve("audit/segment-000001.jsonl"));
        assertTrue(lines.get(0).contains("\"target\":\"audit.signing-key\""), "first start: " + lines.get(0));
        assertTrue(lines.get(1).contains("\"action\":\"store.backup\""), lines.get(1));
        assertTrue(lines.get(2).contains("\"action\":\"store.restore\""), lines.get(2));
        assertTrue(lines.get(2).contains("\"outcome\":\"SUCCESS\""), lines.get(2));

        Files.writeString(
                data.resolve("audit/segment-000001.jsonl"),
                lines.get(0) + "\n" + lines.get(2) + "\n" + lines.get(1) + "\n");
        Run tampered = run("audit", "verify", "--data-dir", data.toString());
        assertEquals(1, tampered.exit());
        assertTrue(
                tampered.out().startsWith("FAILED: segment-000001.jsonl line 2 (seq 3): reordered entry"),
                tampered.out());
    }

    private String config(Path data) throws Exception {
        Path file = dir.resolve("magicode.yaml");
        Files.writeString(file, "data-dir: " + data + "\n");
        return file.toString();
    }
}
