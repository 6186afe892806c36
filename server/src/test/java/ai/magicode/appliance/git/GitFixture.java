package ai.magicode.appliance.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Builds small Git repositories for tests, straight into the object database (like JGit's TestRepository): regular
 * files, binary files, symlinks and submodule entries, each {@link #commit} on {@code main}.
 */
public final class GitFixture implements AutoCloseable {
    private record Entry(FileMode mode, byte[] content, ObjectId gitlink) {}

    private final Repository repository;
    private final Path dir;
    private final Map<String, Entry> tree = new TreeMap<>();
    private ObjectId head;
    private int time = 1_700_000_000;

    private GitFixture(Repository repository, Path dir) {
        this.repository = repository;
        this.dir = dir;
    }

    /** A new bare repository in {@code dir}, or with a work tree ({@code dir/.git}) when {@code bare} is false. */
    public static GitFixture create(Path dir, boolean bare) throws IOException {
        FileRepositoryBuilder builder = new FileRepositoryBuilder();
        if (bare) {
            builder.setGitDir(dir.toFile()).setBare();
        } else {
            builder.setWorkTree(dir.toFile());
        }
        Repository repository = builder.build();
        repository.create(bare);
        RefUpdate.Result ignored =
                repository.getRefDatabase().newUpdate(Constants.HEAD, false).link("refs/heads/main");
        return new GitFixture(repository, dir);
    }

    public Path dir() {
        return dir;
    }

    public GitFixture file(String path, String text) {
        return bytes(path, text.getBytes(StandardCharsets.UTF_8));
    }

    public GitFixture bytes(String path, byte[] content) {
        tree.put(path, new Entry(FileMode.REGULAR_FILE, content, null));
        return this;
    }

    public GitFixture symlink(String path, String target) {
        tree.put(path, new Entry(FileMode.SYMLINK, target.getBytes(StandardCharsets.UTF_8), null));
        return this;
    }

    public GitFixture submodule(String path) {
        tree.put(
                path,
                new Entry(FileMode.GITLINK, null, ObjectId.fromString("0123456789abcdef0123456789abcdef01234567")));
        return this;
    }

    public GitFixture delete(String path) {
        tree.remove(path);
        return this;
    }

    /** Commits the current tree on main and returns the commit's SHA. */
    public String commit(String message) throws IOException {
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            for (var e : tree.entrySet()) {
                DirCacheEntry entry = new DirCacheEntry(e.getKey());
                entry.setFileMode(e.getValue().mode());
                entry.setObjectId(
                        e.getValue().gitlink() != null
                                ? e.getValue().gitlink()
                                : inserter.insert(
                                        Constants.OBJ_BLOB, e.getValue().content()));
                builder.add(entry);
            }
            builder.finish();
            ObjectId treeId = index.writeTree(inserter);
            CommitBuilder commit = new CommitBuilder();
            PersonIdent author = new PersonIdent("Fixture", "fixture@example.com", (long) time++ * 1000, 0);
            commit.setAuthor(author);
            commit.setCommitter(author);
            commit.setMessage(message);
            commit.setTreeId(treeId);
            if (head != null) {
                commit.setParentId(head);
            }
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            RefUpdate update = repository.updateRef("refs/heads/main");
            update.setNewObjectId(id);
            update.setForceUpdate(true);
            update.update();
            head = id;
            return id.name();
        }
    }

    @Override
    public void close() {
        repository.close();
    }
}
