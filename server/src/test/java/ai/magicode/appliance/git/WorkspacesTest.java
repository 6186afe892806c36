package ai.magicode.appliance.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspacesTest {
    @TempDir
    Path dir;

    @Test
    void fetchesOneCommitIntoAWorkspaceThatClosingDeletes() throws Exception {
        String first;
        String second;
        try (GitFixture origin = GitFixture.create(dir.resolve("origin.git"), true)) {
            first = origin.file("src/A.java", "class A {}").commit("one");
            second = origin.file("src/B.java", "class B {}").commit("two");
        }
        Workspaces workspaces = Workspaces.open(dir.resolve("workspaces"));
        Path kept;
        try (Workspaces.Workspace ws =
                workspaces.fetch("job-1", dir.resolve("origin.git").toUri(), Optional.empty(), first)) {
            kept = ws.dir();
            assertEquals(first, ws.commit());
            assertEquals(
                    List.of("src/A.java"),
                    ws.repository().snapshot(ws.commit(), 1000).files().stream()
                            .map(SourceFile::path)
                            .toList());
            assertEquals(List.of(kept), workspaces.present());
        }
        assertFalse(Files.exists(kept), "closing a workspace deletes it");
        try (Workspaces.Workspace ws =
                workspaces.fetch("job-2", dir.resolve("origin.git").toUri(), Optional.empty(), "main")) {
            assertEquals(second, ws.commit(), "a branch name fetches its tip");
        }
        assertEquals(List.of(), workspaces.present());
    }

    @Test
    void anUnknownRevisionFailsClearlyAndLeavesNoWorkspace() throws Exception {
        try (GitFixture origin = GitFixture.create(dir.resolve("origin.git"), true)) {
            origin.file("a.txt", "a").commit("one");
        }
        Workspaces workspaces = Workspaces.open(dir.resolve("workspaces"));
        GitException e = assertThrows(
                GitException.class,
                () -> workspaces.fetch("job", dir.resolve("origin.git").toUri(), Optional.empty(), "0".repeat(40)));
        assertTrue(e.getMessage().contains("0".repeat(40)), e.getMessage());
        assertEquals(List.of(), workspaces.present());
        assertThrows(
                GitException.class,
                () -> workspaces.fetch("../escape", dir.resolve("origin.git").toUri(), Optional.empty(), "main"));
    }

    @Test
    void workspacesLeftByACrashAreSweptAtOpen() throws Exception {
        Path root = dir.resolve("workspaces");
        Files.createDirectories(root.resolve("job-9-abc/objects"));
        Files.writeString(root.resolve("job-9-abc/objects/x"), "code");
        Workspaces workspaces = Workspaces.open(root);
        assertEquals(List.of(), workspaces.present());
        assertEquals(
                "rwx------",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }
}
