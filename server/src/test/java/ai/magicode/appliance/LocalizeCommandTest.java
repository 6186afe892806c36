package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.git.GitFixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code magicode localize}'s contract, lexical mode (the shaded-jar IT covers the embedding model). */
class LocalizeCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(out, true));
        return cli.execute(args);
    }

    private String repository() throws IOException {
        try (GitFixture fixture = GitFixture.create(dir.resolve("repo"), false)) {
            return fixture.file("pkg/parser.py", "def parse_header(line):\n    return line.split(':')\n")
                    .file("pkg/writer.py", "def write_body(stream, body):\n    stream.write(body)\n")
                    .commit("first");
        }
    }

    @Test
    void printsRankedFilesAsJsonAndReusesTheIndex() throws IOException {
        String commit = repository();
        Path query = Files.writeString(dir.resolve("issue.txt"), "parse_header crashes on a line without colon");
        String[] args = {
            "localize",
            "--repo",
            dir.resolve("repo").toString(),
            "--rev",
            commit,
            "--query-file",
            query.toString(),
            "--top",
            "1",
            "--index-dir",
            dir.resolve("index").toString(),
            "--json",
            "--mode",
            "bm25"
        };
        assertEquals(0, run(args), err.toString());
        assertTrue(out.toString().startsWith("{\"files\":[{\"path\":\"pkg/parser.py\",\"score\":"), out.toString());
        assertTrue(out.toString().trim().endsWith("}]}"), out.toString());
        assertTrue(err.toString().contains("rebuilt"), err.toString());
        assertEquals(0, run(args), err.toString());
        assertTrue(err.toString().contains("reused"), err.toString());
    }

    @Test
    void unknownRevisionAndMissingRepositoryExitOneWithAMessage() throws IOException {
        repository();
        Path query = Files.writeString(dir.resolve("issue.txt"), "anything");
        assertEquals(
                1,
                run(
                        "localize",
                        "--repo",
                        dir.resolve("repo").toString(),
                        "--rev",
                        "cafebabe",
                        "--query-file",
                        query.toString(),
                        "--index-dir",
                        dir.resolve("index").toString(),
                        "--json"));
        assertTrue(err.toString().contains("Unknown revision cafebabe"), err.toString());
        assertEquals(
                1,
                run(
                        "localize",
                        "--repo",
                        dir.resolve("missing").toString(),
                        "--rev",
                        "HEAD",
                        "--query-file",
                        query.toString(),
                        "--json"));
        assertTrue(err.toString().contains("No repository at"), err.toString());
        assertEquals("", out.toString());
    }
}
