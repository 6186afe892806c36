package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkbenchTest {
    @TempDir
    Path dir;

    @Test
    void editsExactlyThenWhitespaceTolerantlyAndRecordsTheChange() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("A.java"), "class A {\n\tint x = 1;\n}\n");
        Workbench bench = new Workbench(root);
        assertTrue(bench.edit("A.java", "int x = 1;", "int x = 2;").startsWith("applied"));
        assertTrue(bench.edit("A.java", "    int x = 2;", "    int x = 3;").contains("whitespace-tolerant"));
        assertEquals("class A {\n    int x = 3;\n}\n", Files.readString(root.resolve("A.java")));
        assertTrue(bench.edit("A.java", "int y", "int z").startsWith("error"));
        assertEquals(List.of("A.java"), bench.changed());
        assertEquals(2, bench.edits());
    }

    @Test
    void neverReachesOutsideTheTreeOrIntoGit() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(dir.resolve("secret.txt"), "s3cret");
        Workbench bench = new Workbench(root);
        assertTrue(bench.readFile("../secret.txt", 1, 10).startsWith("error"));
        assertTrue(bench.create("../evil.txt", "x").startsWith("error"));
        assertTrue(bench.create("/etc/evil", "x").startsWith("error"));
        assertTrue(bench.create(".git/config", "x").startsWith("error"));
        assertFalse(Files.exists(dir.resolve("evil.txt")));
        assertEquals(List.of(), bench.changed());
    }

    @Test
    void readsLineRangesWithNumbers() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("f.txt"), "one\ntwo\nthree\n");
        Workbench bench = new Workbench(root);
        assertEquals("2: two\n3: three\n", bench.readFile("f.txt", 2, 9));
        assertTrue(bench.rename("f.txt", "g/f.txt").startsWith("renamed"));
        assertEquals(List.of("f.txt", "g/f.txt"), bench.changed());
        assertTrue(bench.listFiles("").contains("g/f.txt"));
    }

    @Test
    void thePathPolicyRefusesWorkflowChanges() {
        List<Checks.Problem> problems =
                Checks.pathPolicy().check(dir, List.of("src/A.java", ".github/workflows/ci.yml"));
        assertEquals(1, problems.size());
        assertEquals(".github/workflows/ci.yml", problems.getFirst().path());
        assertEquals("path-policy", problems.getFirst().rule());
    }
}
