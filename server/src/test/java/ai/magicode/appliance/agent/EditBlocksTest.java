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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
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

    @Test
    void replacesAUniqueExactMatch() throws IOException {
        write("src/A.java", "class A {\n    int x = 1;\n}\n");

        Result result = EditBlocks.apply(root, "src/A.java", "int x = 1;", "int x = 2;");

        assertEquals(new Result.Applied("src/A.java", false), result);
        assertEquals("class A {\n    int x = 2;\n}\n", read("src/A.java"));
    }

    @Test
    void rejectsAnAmbiguousMatchAndSaysHowManyPlaces() throws IOException {
        String content = "a();\nb();\na();\nc();\na();\n";
        write("x.js", content);

        String reason = reason(EditBlocks.apply(root, "x.js", "a();", "z();"));

        assertTrue(reason.contains("matches 3 places"), reason);
        assertTrue(reason.contains("add surrounding lines"), reason);
        assertEquals(content, read("x.js"), "nothing written");
    }

    @Test
    void rejectsAMissingSearchTextWithTheClosestLines() throws IOException {
        write("A.java", "class A {\n    void run() {\n        start(engine);\n    }\n}\n");

        String reason = reason(EditBlocks.apply(root, "A.java", "        start(engin3);", "stop();"));

        assertTrue(reason.contains("not found"), reason);
        assertTrue(reason.contains("closest lines are 3-3"), reason);
        assertTrue(reason.contains("3:         start(engine);"), reason);
    }

    @Test
    void matchesDespiteDifferentIndentationAndReindentsTheReplacement() throws IOException {
        write("A.java", "class A {\n    void run() {\n        if (ok) {\n            go();\n        }\n    }\n}\n");

        Result result =
                EditBlocks.apply(root, "A.java", "if (ok) {\n    go();\n}", "if (ok) {\n    go();\n    done();\n}");

        assertEquals(new Result.Applied("A.java", true), result);
        assertEquals(
                "class A {\n    void run() {\n        if (ok) {\n            go();\n            done();\n        }\n"
                        + "    }\n}\n",
                read("A.java"));
    }

    @Test
    void matchesDespiteTrailingSpacesAndBlankLines() throws IOException {
        write("a.py", "def f():\n    x = 1   \n\n    return x\n");

        Result result = EditBlocks.apply(root, "a.py", "    x = 1\n    return x\n", "    x = 2\n    return x\n");

        assertEquals(new Result.Applied("a.py", true), result);
        assertEquals("def f():\n    x = 2\n    return x\n", read("a.py"));
    }

    @Test
    void writesTabsWhenTheFileIndentsWithTabs() throws IOException {
        write("main.go", "func main() {\n\tif ok {\n\t\trun()\n\t}\n}\n");

        Result result = EditBlocks.apply(
                root,
                "main.go",
                "    if ok {\n        run()\n    }",
                "    if ok {\n        run()\n        log()\n    }");

        assertEquals(new Result.Applied("main.go", true), result);
        assertEquals("func main() {\n\tif ok {\n\t\trun()\n\t\tlog()\n\t}\n}\n", read("main.go"));
    }

    @Test
    void rejectsAnAmbiguousWhitespaceTolerantMatch() throws IOException {
        write("a.txt", "  x\n    y\nx\ny\n");

        String reason = reason(EditBlocks.apply(root, "a.txt", " x\n y", "z"));

        assertTrue(reason.contains("matches 2 places"), reason);
        assertTrue(reason.contains("whitespace is ignored"), reason);
    }

    @Test
    void keepsCrlfLineEndings() throws IOException {
        write("win.txt", "one\r\ntwo\r\nthree\r\n");

        Result result = EditBlocks.apply(root, "win.txt", "two\nthree\n", "2\n3\n4\n");

        assertEquals(new Result.Applied("win.txt", false), result);
        assertEquals("one\r\n2\r\n3\r\n4\r\n", read("win.txt"));
    }

    @Test
    void keepsCrlfInAWhitespaceTolerantEdit() throws IOException {
        write("win.cs", "class A\r\n{\r\n    int x;\r\n}\r\n");

        Result result = EditBlocks.apply(root, "win.cs", "int  x;", "int x;\r\nint y;");

        assertEquals(new Result.Applied("win.cs", true), result);
        assertEquals("class A\r\n{\r\n    int x;\r\n    int y;\r\n}\r\n", read("win.cs"));
    }

    @Test
    void keepsAMissingFinalNewlineMissing() throws IOException {
        write("a.txt", "  alpha\n  beta");

        EditBlocks.apply(root, "a.txt", "alpha\nbeta\n", "alpha\ngamma\n");

        assertEquals("  alpha\n  gamma", read("a.txt"));
    }

    @Test
    void keepsAFinalNewline() throws IOException {
        write("a.txt", "alpha\nbeta\n");

        EditBlocks.apply(root, "a.txt", "  beta", "  delta");

        assertEquals("alpha\ndelta\n", read("a.txt"));
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
