package ai.magicode.appliance.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRepositoryTest {
    @TempDir
    Path dir;

    @Test
    void readsFilesOfACommitInABareRepositoryWithoutCheckout() throws IOException {
        String commit;
        try (GitFixture fixture = GitFixture.create(dir.resolve("bare.git"), true)) {
            commit = fixture.file("src/a.py", "def a():\n    return 1\n")
                    .file("README.md", "hello\n")
                    .commit("first");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("bare.git"))) {
            Snapshot snapshot = repo.snapshot(commit.substring(0, 10), 1000);
            assertEquals(commit, snapshot.commit());
            assertEquals(
                    Set.of("src/a.py", "README.md"),
                    Set.copyOf(snapshot.files().stream().map(SourceFile::path).toList()));
            SourceFile a = snapshot.files().stream()
                    .filter(f -> f.path().equals("src/a.py"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("def a():\n    return 1\n", repo.text(a).orElseThrow());
        }
    }

    @Test
    void readsOneFileAtACommitByPath() throws IOException {
        String first;
        String second;
        try (GitFixture fixture = GitFixture.create(dir.resolve("r.git"), true)) {
            first = fixture.file("src/a.txt", "one\n").commit("first");
            second = fixture.file("src/a.txt", "two\n")
                    .bytes("bin", new byte[] {0, 1})
                    .symlink("link", "src/a.txt")
                    .commit("second");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("r.git"))) {
            assertEquals("one\n", repo.text(first, "src/a.txt").orElseThrow());
            assertEquals("two\n", repo.text(second, "src/a.txt").orElseThrow());
            assertTrue(repo.text(first, "bin").isEmpty(), "absent at that commit");
            assertTrue(repo.text(second, "bin").isEmpty(), "binary");
            assertTrue(repo.text(second, "link").isEmpty(), "a symlink is not read");
            assertTrue(repo.text(second, "src").isEmpty(), "a directory is not a file");
            assertTrue(repo.text(second, "/src/a.txt").isEmpty(), "not a tree path");
        }
    }

    @Test
    void opensAWorkTreeAndResolvesBranchNames() throws IOException {
        String commit;
        try (GitFixture fixture = GitFixture.create(dir.resolve("work"), false)) {
            commit = fixture.file("a.txt", "x\n").commit("first");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("work"))) {
            assertEquals(commit, repo.resolve("main"));
            assertEquals(commit, repo.resolve("HEAD"));
        }
    }

    @Test
    void unknownRevisionIsAClearError() throws IOException {
        try (GitFixture fixture = GitFixture.create(dir.resolve("r.git"), true)) {
            fixture.file("a.txt", "x\n").commit("first");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("r.git"))) {
            GitException e = assertThrows(GitException.class, () -> repo.resolve("deadbeefdeadbeef"));
            assertTrue(e.getMessage().startsWith("Unknown revision deadbeefdeadbeef"), e.getMessage());
            assertThrows(GitException.class, () -> repo.resolve("no/such/branch"));
        }
    }

    @Test
    void emptyRepositoryHasNoRevisions() throws IOException {
        GitFixture.create(dir.resolve("empty.git"), true).close();
        try (GitRepository repo = GitRepository.open(dir.resolve("empty.git"))) {
            GitException e = assertThrows(GitException.class, () -> repo.resolve("HEAD"));
            assertTrue(e.getMessage().contains("Unknown revision HEAD"), e.getMessage());
        }
    }

    @Test
    void missingOrNonGitDirectoryIsAClearError() {
        GitException missing = assertThrows(GitException.class, () -> GitRepository.open(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("not a directory"), missing.getMessage());
        GitException plain = assertThrows(GitException.class, () -> GitRepository.open(dir));
        assertTrue(plain.getMessage().startsWith("No Git repository at"), plain.getMessage());
    }

    @Test
    void skipsSubmodulesSymlinksAndLargeFilesAndCountsThem() throws IOException {
        String commit;
        try (GitFixture fixture = GitFixture.create(dir.resolve("r.git"), true)) {
            commit = fixture.file("ok.py", "x = 1\n")
                    .symlink("escape", "../../../../etc/passwd")
                    .symlink("inside", "ok.py")
                    .submodule("vendor/lib")
                    .file("big.txt", "y".repeat(5000))
                    .commit("first");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("r.git"))) {
            Snapshot snapshot = repo.snapshot(commit, 1000);
            assertEquals(
                    Set.of("ok.py"),
                    Set.copyOf(snapshot.files().stream().map(SourceFile::path).toList()));
            assertEquals(
                    Map.of(Snapshot.Skip.SYMLINK, 2, Snapshot.Skip.SUBMODULE, 1, Snapshot.Skip.TOO_LARGE, 1),
                    snapshot.skipped());
        }
    }

    @Test
    void binaryFilesHaveNoTextAndInvalidUtf8IsDecodedLeniently() throws IOException {
        String commit;
        try (GitFixture fixture = GitFixture.create(dir.resolve("r.git"), true)) {
            commit = fixture.bytes("image.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1})
                    .bytes("latin1.py", new byte[] {'s', ' ', '=', ' ', '"', (byte) 0xE9, '"', '\n'})
                    .commit("first");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("r.git"))) {
            Snapshot snapshot = repo.snapshot(commit, 1000);
            for (SourceFile file : snapshot.files()) {
                if (file.path().equals("image.png")) {
                    assertTrue(repo.text(file).isEmpty());
                } else {
                    assertEquals("s = \"\uFFFD\"\n", repo.text(file).orElseThrow());
                }
            }
        }
    }

    @Test
    void changedPathsListsAddedModifiedAndDeletedFilesOnly() throws IOException {
        String first;
        String second;
        try (GitFixture fixture = GitFixture.create(dir.resolve("r.git"), true)) {
            first = fixture.file("same.py", "a = 1\n")
                    .file("edit.py", "b = 1\n")
                    .file("gone.py", "c = 1\n")
                    .commit("first");
            second = fixture.file("edit.py", "b = 2\n")
                    .delete("gone.py")
                    .file("new/added.py", "d = 1\n")
                    .commit("second");
        }
        try (GitRepository repo = GitRepository.open(dir.resolve("r.git"))) {
            assertEquals(Set.of("edit.py", "gone.py", "new/added.py"), repo.changedPaths(first, second));
            assertEquals(Set.of("edit.py", "gone.py", "new/added.py"), repo.changedPaths(second, first));
            assertFalse(repo.changedPaths(first, first).iterator().hasNext());
        }
    }
}
