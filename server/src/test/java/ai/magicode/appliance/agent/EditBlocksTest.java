package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.agent.EditBlocks.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EditBlocksTest {
    @TempDir
    Path root;

    private Path write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    private String read(String path) throws IOException {
        return Files.readString(root.resolve(path));
    }

    private static String reason(Result result) {
        return assertInstanceOf(Result.Rejected.class, result).reason();
    }

    /**
     * An edit that applies: the file {@code before}, the search and replace texts, whether it matched only
     * with whitespace tolerance ({@code fuzzy}), and the file {@code after}.
     */
    record Edit(
            String behaviour, String path, String before, String search, String replace, boolean fuzzy, String after) {
        @Override
        public String toString() {
            return behaviour;
        }
    }

    static Stream<Edit> appliedEdits() {
        return Stream.of(
                new Edit(
                        "replaces a unique exact match",
                        "src/A.java",
                        "class A {\n    int x = 1;\n}\n",
                        "int x = 1;",
                        "int x = 2;",
                        false,
                        "class A {\n    int x = 2;\n}\n"),
                new Edit(
                        "matches despite different indentation and reindents the replacement",
                        "A.java",
                        "class A {\n    void run() {\n        if (ok) {\n            go();\n        }\n    }\n}\n",
                        "if (ok) {\n    go();\n}",
                        "if (ok) {\n    go();\n    done();\n}",
                        true,
                        "class A {\n    void run() {\n        if (ok) {\n            go();\n            done();\n        }\n"
                                + "    }\n}\n"),
                new Edit(
                        "matches despite trailing spaces and blank lines",
                        "a.py",
                        "def f():\n    x = 1   \n\n    return x\n",
                        "    x = 1\n    return x\n",
                        "    x = 2\n    return x\n",
                        true,
                        "def f():\n    x = 2\n    return x\n"),
                new Edit(
                        "writes tabs when the file indents with tabs",
                        "main.go",
                        "func main() {\n\tif ok {\n\t\trun()\n\t}\n}\n",
                        "    if ok {\n        run()\n    }",
                        "    if ok {\n        run()\n        log()\n    }",
                        true,
                        "func main() {\n\tif ok {\n\t\trun()\n\t\tlog()\n\t}\n}\n"),
                new Edit(
                        "keeps CRLF line endings",
                        "win.txt",
                        "one\r\ntwo\r\nthree\r\n",
                        "two\nthree\n",
                        "2\n3\n4\n",
                        false,
                        "one\r\n2\r\n3\r\n4\r\n"),
                new Edit(
                        "keeps CRLF in a whitespace-tolerant edit",
                        "win.cs",
                        "class A\r\n{\r\n    int x;\r\n}\r\n",
                        "int  x;",
                        "int x;\r\nint y;",
                        true,
                        "class A\r\n{\r\n    int x;\r\n    int y;\r\n}\r\n"),
                new Edit(
                        "keeps a missing final newline missing",
                        "a.txt",
                        "  alpha\n  beta",
                        "alpha\nbeta\n",
                        "alpha\ngamma\n",
                        true,
                        "  alpha\n  gamma"),
                new Edit(
                        "keeps a final newline",
                        "a.txt",
                        "alpha\nbeta\n",
                        "  beta",
                        "  delta",
                        true,
                        "alpha\ndelta\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("appliedEdits")
    void appliesTheEditAndWritesTheFile(Edit edit) throws IOException {
        write(edit.path(), edit.before());

        Result result = EditBlocks.apply(root, edit.path(), edit.search(), edit.replace());

        assertEquals(new Result.Applied(edit.path(), edit.fuzzy()), result);
        assertEquals(edit.after(), read(edit.path()));
    }

    /** An edit that is refused: the file, the search and replace texts, and what the reason must say. */
    record Refusal(String behaviour, String path, String before, String search, String replace, List<String> says) {
        @Override
        public String toString() {
            return behaviour;
        }
    }

    static Stream<Refusal> refusedEdits() {
        return Stream.of(
                new Refusal(
                        "rejects an ambiguous match and says how many places",
                        "x.js",
                        "a();\nb();\na();\nc();\na();\n",
                        "a();",
                        "z();",
                        List.of("matches 3 places", "add surrounding lines")),
                new Refusal(
                        "rejects a missing search text with the closest lines",
                        "A.java",
                        "class A {\n    void run() {\n        start(engine);\n    }\n}\n",
                        "        start(engin3);",
                        "stop();",
                        List.of("not found", "closest lines are 3-3", "3:         start(engine);")),
                new Refusal(
                        "rejects an ambiguous whitespace-tolerant match",
                        "a.txt",
                        "  x\n    y\nx\ny\n",
                        " x\n y",
                        "z",
                        List.of("matches 2 places", "whitespace is ignored")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedEdits")
    void refusesTheEditSaysWhyAndWritesNothing(Refusal refusal) throws IOException {
        write(refusal.path(), refusal.before());

        String reason = reason(EditBlocks.apply(root, refusal.path(), refusal.search(), refusal.replace()));

        refusal.says().forEach(part -> assertTrue(reason.contains(part), reason));
        assertEquals(refusal.before(), read(refusal.path()), "nothing written");
    }

    @Test
    void keepsTheExecutableBit() throws IOException {
        Path script = write("run.sh", "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        EditBlocks.apply(root, "run.sh", "echo hi", "echo bye");

        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
    }

    @Test
    void leavesNoTemporaryFiles() throws IOException {
        write("d/a.txt", "x\n");

        EditBlocks.apply(root, "d/a.txt", "x", "y");

        try (Stream<Path> files = Files.list(root.resolve("d"))) {
            assertEquals(1, files.count());
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/etc/passwd",
                "../outside.txt",
                "src/../../outside.txt",
                ".git/config",
                "sub/.git/HEAD",
                ".GIT/hooks/pre-commit",
                "C:/Windows/win.ini",
                "src\\A.java",
                "~/x",
                "",
                "  ",
                "a\u0000b",
                "."
            })
    void refusesHostilePaths(String path) throws IOException {
        write("src/A.java", "class A {}\n");

        assertInstanceOf(Result.Rejected.class, EditBlocks.apply(root, path, "x", "y"));
        assertInstanceOf(Result.Rejected.class, EditBlocks.create(root, path, "x"));
        assertInstanceOf(Result.Rejected.class, EditBlocks.delete(root, path));
        assertInstanceOf(Result.Rejected.class, EditBlocks.rename(root, "src/A.java", path));
        assertTrue(Files.exists(root.resolve("src/A.java")));
    }

    @Test
    void refusesASymlinkedDirectoryLeadingOutside(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("victim.txt"), "secret\n");
        Files.createSymbolicLink(root.resolve("link"), outside);

        assertTrue(reason(EditBlocks.apply(root, "link/victim.txt", "secret", "owned"))
                .contains("outside the repository"));
        assertInstanceOf(Result.Rejected.class, EditBlocks.create(root, "link/new.txt", "x"));
        assertInstanceOf(Result.Rejected.class, EditBlocks.delete(root, "link/victim.txt"));
        assertEquals("secret\n", Files.readString(outside.resolve("victim.txt")));
        assertFalse(Files.exists(outside.resolve("new.txt")));
    }

    @Test
    void refusesToEditASymlinkedFile(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("victim.txt"), "secret\n");
        Files.createSymbolicLink(root.resolve("file.txt"), outside.resolve("victim.txt"));

        assertTrue(reason(EditBlocks.apply(root, "file.txt", "secret", "owned")).contains("symbolic link"));
        assertEquals("secret\n", Files.readString(outside.resolve("victim.txt")));
    }

    @Test
    void refusesBinaryAndNonUtf8Files() throws IOException {
        Files.write(root.resolve("img.bin"), new byte[] {1, 0, 2});
        Files.write(root.resolve("latin1.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));

        assertTrue(reason(EditBlocks.apply(root, "img.bin", "x", "y")).contains("binary"));
        assertTrue(reason(EditBlocks.apply(root, "latin1.txt", "caf", "y")).contains("not UTF-8"));
    }

    @Test
    void refusesEmptySearchMissingFilesAndNoOpEdits() throws IOException {
        write("a.txt", "x\n");

        assertTrue(reason(EditBlocks.apply(root, "a.txt", "", "y")).contains("search text is empty"));
        assertTrue(reason(EditBlocks.apply(root, "b.txt", "x", "y")).contains("does not exist"));
        assertTrue(reason(EditBlocks.apply(root, "a.txt", "x", "x")).contains("identical"));
    }

    @Test
    void createsAFileWithItsDirectoriesButNeverOverwrites() throws IOException {
        assertEquals(
                new Result.Applied("docs/new/readme.md", false),
                EditBlocks.create(root, "./docs//new/readme.md", "# Hi\n"));
        assertEquals("# Hi\n", read("docs/new/readme.md"));

        assertTrue(
                reason(EditBlocks.create(root, "docs/new/readme.md", "other")).contains("already exists"));
        assertEquals("# Hi\n", read("docs/new/readme.md"));
    }

    @Test
    void deletesAFileButNotADirectory() throws IOException {
        write("d/a.txt", "x\n");

        assertTrue(reason(EditBlocks.delete(root, "d")).contains("directory"));
        assertEquals(new Result.Applied("d/a.txt", false), EditBlocks.delete(root, "d/a.txt"));
        assertFalse(Files.exists(root.resolve("d/a.txt")));
        assertInstanceOf(Result.Rejected.class, EditBlocks.delete(root, "d/a.txt"));
    }

    @Test
    void renamesIntoANewDirectoryButNeverOverAnExistingFile() throws IOException {
        write("a.txt", "a\n");
        write("b.txt", "b\n");

        assertTrue(reason(EditBlocks.rename(root, "a.txt", "b.txt")).contains("already exists"));
        assertEquals("b\n", read("b.txt"));

        assertEquals(new Result.Applied("moved/c.txt", false), EditBlocks.rename(root, "a.txt", "moved/c.txt"));
        assertEquals("a\n", read("moved/c.txt"));
        assertFalse(Files.exists(root.resolve("a.txt")));
    }
}
