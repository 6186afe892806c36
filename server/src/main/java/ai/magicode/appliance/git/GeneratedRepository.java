package ai.magicode.appliance.git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A bare repository whose commits are written from generated file contents, without a work tree: the benchmarks
 * build repositories of thousands of files with it, then push one-file changes to it. Closing it deletes it.
 */
public final class GeneratedRepository implements AutoCloseable {
    private static final PersonIdent AUTHOR =
            new PersonIdent("bench", "bench@localhost", Instant.EPOCH, ZoneOffset.UTC);

    private final Git git;

    private GeneratedRepository(Git git) {
        this.git = git;
    }

    /**
     * Creates a bare repository at {@code dir} (which must not hold one) with one commit on {@code main}, the default
     * branch, holding {@code files} (path to text).
     */
    public static GeneratedRepository create(Path dir, Iterator<Map.Entry<String, String>> files) {
        try {
            Git git = Git.init()
                    .setBare(true)
                    .setInitialBranch("main")
                    .setDirectory(dir.toFile())
                    .call();
            GeneratedRepository repository = new GeneratedRepository(git);
            repository.write(null, files);
            return repository;
        } catch (GitAPIException | IOException | RuntimeException e) {
            throw new GitException("Cannot create the generated repository: " + e.getMessage(), e);
        }
    }

    /** Commits {@code changes} (path to new text) on top of {@code main} and moves {@code main} to it. */
    public String commit(Map<String, String> changes) {
        try {
            ObjectId head = git.getRepository().resolve("refs/heads/main");
            return write(head, changes.entrySet().iterator()).name();
        } catch (IOException | RuntimeException e) {
            throw new GitException("Cannot commit to the generated repository: " + e.getMessage(), e);
        }
    }

    /** Where the repository is (a file URI to fetch from). */
    public Path location() {
        return git.getRepository().getDirectory().toPath();
    }

    private ObjectId write(ObjectId parent, Iterator<Map.Entry<String, String>> files) throws IOException {
        Repository repository = git.getRepository();
        Map<String, ObjectId> tree = new TreeMap<>();
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            if (parent != null) {
                try (RevWalk walk = new RevWalk(repository);
                        ObjectReader reader = repository.newObjectReader();
                        TreeWalk paths = new TreeWalk(reader)) {
                    paths.addTree(walk.parseCommit(parent).getTree());
                    paths.setRecursive(true);
                    while (paths.next()) {
                        tree.put(paths.getPathString(), paths.getObjectId(0));
                    }
                }
            }
            while (files.hasNext()) {
                Map.Entry<String, String> file = files.next();
                tree.put(
                        file.getKey(),
                        inserter.insert(Constants.OBJ_BLOB, file.getValue().getBytes(StandardCharsets.UTF_8)));
            }
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            tree.forEach((path, blob) -> {
                DirCacheEntry entry = new DirCacheEntry(path);
                entry.setFileMode(FileMode.REGULAR_FILE);
                entry.setObjectId(blob);
                builder.add(entry);
            });
            builder.finish();
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(index.writeTree(inserter));
            if (parent != null) {
                commit.setParentId(parent);
            }
            commit.setAuthor(AUTHOR);
            commit.setCommitter(AUTHOR);
            commit.setMessage(parent == null ? "generated" : "change");
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            RefUpdate update = repository.updateRef("refs/heads/main");
            update.setNewObjectId(id);
            update.setForceUpdate(true);
            RefUpdate.Result result = update.update();
            if (result != RefUpdate.Result.NEW
                    && result != RefUpdate.Result.FORCED
                    && result != RefUpdate.Result.FAST_FORWARD) {
                throw new GitException("Cannot move main: " + result);
            }
            return id;
        }
    }

    @Override
    public void close() {
        git.close();
        Workspaces.deleteTree(location());
    }
}
