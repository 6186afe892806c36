package ai.magicode.appliance.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
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
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * A plain directory holding the files of one commit of a workspace, for the agent to read and edit, and the commit
 * of that directory back into the workspace's (bare) repository on top of the commit it came from. Only regular
 * files are written out; symlinks and submodules of the commit are carried over unchanged into the new commit.
 */
public final class WorkTree {
    /**
     * A commit author or committer.
     *
     * @param name display name
     * @param email e-mail address
     */
    public record Person(String name, String email) {}

    private WorkTree() {}

    /**
     * Writes the regular files of {@code commit} of the bare repository at {@code gitDir} under {@code into}.
     *
     * @throws GitException when the commit cannot be read or a file cannot be written
     */
    public static void checkout(Path gitDir, String commit, Path into) {
        try (Repository repository = open(gitDir);
                RevWalk walk = new RevWalk(repository);
                TreeWalk tree = new TreeWalk(repository)) {
            tree.addTree(walk.parseCommit(ObjectId.fromString(commit)).getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                if (!isRegular(tree.getFileMode(0))) {
                    continue;
                }
                Path file = into.resolve(tree.getPathString()).normalize();
                if (!file.startsWith(into)) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                Files.write(file, repository.open(tree.getObjectId(0)).getBytes());
            }
        } catch (IOException | RuntimeException e) {
            throw new GitException("Cannot check out " + commit + ": " + e.getMessage(), e);
        }
    }

    /**
     * Commits the files under {@code dir} on top of {@code parent} (regular files as they are in {@code dir}, the
     * parent's symlinks and submodules unchanged), without moving any ref.
     *
     * @return the new commit's SHA
     * @throws GitException when the repository cannot be written
     */
    public static String commit(Path gitDir, String parent, Path dir, String message, Person author, Person committer) {
        try (Repository repository = open(gitDir)) {
            return commit(repository, parent, dir, message, author, committer).name();
        } catch (IOException | RuntimeException e) {
            throw new GitException("Cannot commit the work tree: " + e.getMessage(), e);
        }
    }

    /**
     * The unified diff between {@code parent} and the files under {@code dir} (for the model's {@code show_diff}).
     *
     * @throws GitException when the repository cannot be read
     */
    public static String diff(Path gitDir, String parent, Path dir) {
        Person tool = new Person("diff", "diff@localhost");
        try (Repository repository = open(gitDir);
                RevWalk walk = new RevWalk(repository);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                DiffFormatter formatter = new DiffFormatter(out)) {
            // An unreferenced commit: nothing points at it, and the workspace is deleted with the job.
            ObjectId work = commit(repository, parent, dir, "diff", tool, tool);
            formatter.setRepository(repository);
            List<DiffEntry> entries = formatter.scan(
                    walk.parseCommit(ObjectId.fromString(parent)).getTree(),
                    walk.parseCommit(work).getTree());
            formatter.format(entries);
            formatter.flush();
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new GitException("Cannot diff the work tree: " + e.getMessage(), e);
        }
    }

    private static ObjectId commit(
            Repository repository, String parent, Path dir, String message, Person author, Person committer)
            throws IOException {
        Map<String, Entry> entries = new TreeMap<>();
        ObjectId parentId = ObjectId.fromString(parent);
        try (RevWalk walk = new RevWalk(repository);
                ObjectReader reader = repository.newObjectReader();
                TreeWalk tree = new TreeWalk(reader)) {
            tree.addTree(walk.parseCommit(parentId).getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                FileMode mode = tree.getFileMode(0);
                String path = tree.getPathString();
                Path file = dir.resolve(path);
                if (!isRegular(mode)) {
                    entries.put(path, new Entry(mode, tree.getObjectId(0), null));
                } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(path, new Entry(mode, null, file));
                }
            }
        }
        for (Path file : files(dir)) {
            String path = dir.relativize(file).toString().replace('\\', '/');
            entries.putIfAbsent(path, new Entry(FileMode.REGULAR_FILE, null, file));
        }
        try (ObjectInserter inserter = repository.newObjectInserter()) {
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            for (Map.Entry<String, Entry> item : entries.entrySet()) {
                Entry entry = item.getValue();
                DirCacheEntry cacheEntry = new DirCacheEntry(item.getKey());
                cacheEntry.setFileMode(entry.mode());
                cacheEntry.setObjectId(
                        entry.id() != null
                                ? entry.id()
                                : inserter.insert(Constants.OBJ_BLOB, Files.readAllBytes(entry.file())));
                builder.add(cacheEntry);
            }
            builder.finish();
            ObjectId tree = index.writeTree(inserter);
            Instant now = Instant.now();
            CommitBuilder commit = new CommitBuilder();
            commit.setTreeId(tree);
            commit.setParentId(parentId);
            commit.setAuthor(new PersonIdent(author.name(), author.email(), now, ZoneOffset.UTC));
            commit.setCommitter(new PersonIdent(committer.name(), committer.email(), now, ZoneOffset.UTC));
            commit.setMessage(message);
            ObjectId id = inserter.insert(commit);
            inserter.flush();
            return id;
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return new ArrayList<>(walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList());
        }
    }

    private static boolean isRegular(FileMode mode) {
        return mode == FileMode.REGULAR_FILE || mode == FileMode.EXECUTABLE_FILE;
    }

    private static Repository open(Path gitDir) throws IOException {
        return new FileRepositoryBuilder()
                .setGitDir(gitDir.toFile())
                .setMustExist(true)
                .build();
    }

    private record Entry(FileMode mode, ObjectId id, Path file) {}
}
