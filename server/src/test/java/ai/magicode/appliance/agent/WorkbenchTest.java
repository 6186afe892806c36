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
        assertEquals("edited A.java", bench.edit("A.java", "int x = 1;", "int x = 2;"));
        assertEquals(
                "edited A.java (whitespace-tolerant match)",
                bench.edit("./A.java", "    int x = 2;", "    int x = 3;"));
        assertEquals("class A {\n\tint x = 3;\n}\n", Files.readString(root.resolve("A.java")), "kept the tab indent");
        String refused = bench.edit("A.java", "int y", "int z");
        assertTrue(refused.contains("A.java") && !refused.startsWith("edited"), refused);
        assertEquals(List.of("A.java"), bench.changed(), "one normalized path, nothing for the refused edit");
        assertEquals(2, bench.edits());
    }

    @Test
    void neverReachesOutsideTheTreeOrIntoGit() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(dir.resolve("secret.txt"), "s3cret");
        Workbench bench = new Workbench(root);
        Files.createSymbolicLink(root.resolve("out"), dir);
        assertTrue(bench.readFile("../secret.txt", 1, 10).startsWith("error"));
        assertTrue(bench.readFile("out/secret.txt", 1, 10).startsWith("error"), "no reading through a link");
        assertFalse(bench.create("../evil.txt", "x").startsWith("created"));
        assertFalse(bench.create("/etc/evil", "x").startsWith("created"));
        assertFalse(bench.create(".git/config", "x").startsWith("created"));
        assertFalse(bench.create("out/evil.txt", "x").startsWith("created"));
        assertFalse(bench.delete("out/secret.txt").startsWith("deleted"));
        assertFalse(Files.exists(dir.resolve("evil.txt")));
        assertTrue(Files.exists(dir.resolve("secret.txt")));
        assertEquals(List.of(), bench.changed());
    }

    @Test
    void readsLineRangesWithNumbers() throws Exception {
        Path root = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(root.resolve("f.txt"), "one\ntwo\nthree\n");
        Workbench bench = new Workbench(root);
        assertEquals("2: two\n3: three\n", bench.readFile("f.txt", 2, 9));
        assertEquals("renamed f.txt to g/f.txt", bench.rename("f.txt", "g/f.txt"));
        assertEquals("created h.txt", bench.create("h.txt", "x\n"));
        assertEquals("deleted h.txt", bench.delete("h.txt"));
        assertEquals(List.of("f.txt", "g/f.txt", "h.txt"), bench.changed());
        assertEquals(3, bench.edits());
        assertTrue(bench.listFiles("").contains("g/f.txt"));
    }
}
