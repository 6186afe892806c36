package ai.magicode.appliance.git;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Read-only view of a local Git repository (work tree or bare): the files of a commit read straight from the object
 * database, without checkout, and the paths changed between two commits. Not thread-safe for concurrent reads of
 * different commits; open one per job.
 */
public final class GitRepository implements AutoCloseable {
    private final Repository repository;
    private final Path location;

    private GitRepository(Repository repository, Path location) {
        this.repository = repository;
        this.location = location;
    }

    /**
     * Opens the repository at {@code dir}: a work tree (with {@code .git}) or a bare repository.
     *
     * @throws GitException when {@code dir} is missing or holds no Git repository
     */
    public static GitRepository open(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new GitException("No repository at " + absolute + ": not a directory");
        }
        try {
            FileRepositoryBuilder builder = new FileRepositoryBuilder().setMustExist(true);
            Path dotGit = absolute.resolve(Constants.DOT_GIT);
            if (Files.exists(dotGit)) {
                builder.findGitDir(absolute.toFile());
            } else {
                builder.setGitDir(absolute.toFile());
            }
            Repository repository = builder.build();
            if (!repository.getObjectDatabase().exists()) {
                repository.close();
                throw new GitException("No Git repository at " + absolute);
            }
            return new GitRepository(repository, absolute);
        } catch (IOException | IllegalArgumentException e) {
            throw new GitException("No Git repository at " + absolute + ": " + e.getMessage(), e);
        }
    }

    /** The directory this repository was opened from. */
    public Path location() {
        return location;
    }

    /**
     * Resolves a revision (SHA, abbreviated SHA, branch, tag) to the full SHA of a commit.
     *
     * @throws GitException when it names no commit of this repository
     */
    public String resolve(String revision) {
        try {
            ObjectId id = repository.resolve(revision + "^{commit}");
            if (id == null) {
                throw new GitException("Unknown revision " + revision + " in " + location);
            }
            return id.name();
        } catch (RevisionSyntaxException | AmbiguousObjectException | IncorrectObjectTypeException e) {
            throw new GitException("Unknown revision " + revision + " in " + location + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GitException("Cannot read " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lists the regular files of a commit's tree; submodules and symlinks are skipped (a symlink is never followed,
     * so nothing outside the tree is read) and files over {@code maxBytes} are skipped, all counted.
     */
    public Snapshot snapshot(String commit, long maxBytes) {
        ObjectId id = ObjectId.fromString(resolve(commit));
        List<SourceFile> files = new ArrayList<>();
        Map<Snapshot.Skip, Integer> skipped = new EnumMap<>(Snapshot.Skip.class);
        try (RevWalk walk = new RevWalk(repository);
                ObjectReader reader = repository.newObjectReader();
                TreeWalk tree = new TreeWalk(reader)) {
            RevCommit revCommit = walk.parseCommit(id);
            tree.addTree(revCommit.getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                FileMode mode = tree.getFileMode(0);
                if (mode == FileMode.GITLINK) {
                    skipped.merge(Snapshot.Skip.SUBMODULE, 1, Integer::sum);
                } else if (mode == FileMode.SYMLINK) {
                    skipped.merge(Snapshot.Skip.SYMLINK, 1, Integer::sum);
                } else if ((mode.getBits() & FileMode.TYPE_MASK) == FileMode.TYPE_FILE) {
                    ObjectId blob = tree.getObjectId(0);
                    long size = reader.getObjectSize(blob, Constants.OBJ_BLOB);
                    if (size > maxBytes) {
                        skipped.merge(Snapshot.Skip.TOO_LARGE, 1, Integer::sum);
                    } else {
                        files.add(new SourceFile(tree.getPathString(), blob.name(), size));
                    }
                }
            }
            return new Snapshot(id.name(), List.copyOf(files), Map.copyOf(skipped));
        } catch (MissingObjectException e) {
            throw new GitException("Commit " + commit + " is incomplete in " + location + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GitException("Cannot read commit " + commit + " in " + location + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a file's text, decoding UTF-8 leniently (malformed bytes become U+FFFD); empty for a binary file (a NUL
     * byte in its first 8 KiB).
     */
    public Optional<String> text(SourceFile file) {
        byte[] bytes;
        try (ObjectReader reader = repository.newObjectReader()) {
            bytes = reader.open(ObjectId.fromString(file.blobId()), Constants.OBJ_BLOB)
                    .getCachedBytes(Integer.MAX_VALUE);
        } catch (IOException e) {
            throw new GitException("Cannot read " + file.path() + " in " + location + ": " + e.getMessage(), e);
        }
        return text(bytes);
    }

    /**
     * A file's bytes as text, however they were read (from a repository, or a blob from the GitHub API): UTF-8
     * decoded leniently (malformed bytes become U+FFFD); empty for a binary file (a NUL byte in its first 8 KiB).
     */
    public static Optional<String> text(byte[] bytes) {
        int sniff = Math.min(bytes.length, 8192);
        for (int i = 0; i < sniff; i++) {
            if (bytes[i] == 0) {
                return Optional.empty();
            }
        }
        return Optional.of(decode(bytes));
    }

    /**
     * Reads the text of the regular file at {@code path} in a commit's tree, as {@link #text(SourceFile)} does; empty
     * when the commit has no regular file at that path or the file is binary.
     */
    public Optional<String> text(String commit, String path) {
        ObjectId id = ObjectId.fromString(resolve(commit));
        try (RevWalk walk = new RevWalk(repository);
                TreeWalk tree =
                        TreeWalk.forPath(repository, path, walk.parseCommit(id).getTree())) {
            if (tree == null || (tree.getFileMode(0).getBits() & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
                return Optional.empty();
            }
            ObjectId blob = tree.getObjectId(0);
            try (ObjectReader reader = repository.newObjectReader()) {
                long size = reader.getObjectSize(blob, Constants.OBJ_BLOB);
                return text(new SourceFile(path, blob.name(), size));
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a valid tree path (empty, absolute, or with empty segments)
        } catch (IOException e) {
            throw new GitException(
                    "Cannot read " + path + " at " + commit + " in " + location + ": " + e.getMessage(), e);
        }
    }

    static String decode(byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return strict.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.UTF_8); // replaces malformed sequences with U+FFFD
        }
    }

    /**
     * The paths added, modified or deleted between two commits (both sides of a rename), for incremental indexing.
     */
    public Set<String> changedPaths(String fromCommit, String toCommit) {
        ObjectId from = ObjectId.fromString(resolve(fromCommit));
        ObjectId to = ObjectId.fromString(resolve(toCommit));
        Set<String> changed = new LinkedHashSet<>();
        try (RevWalk walk = new RevWalk(repository);
                ObjectReader reader = repository.newObjectReader();
                TreeWalk tree = new TreeWalk(reader)) {
            tree.addTree(walk.parseCommit(from).getTree());
            tree.addTree(walk.parseCommit(to).getTree());
            tree.setRecursive(true);
            tree.setFilter(org.eclipse.jgit.treewalk.filter.TreeFilter.ANY_DIFF);
            while (tree.next()) {
                if (!tree.getObjectId(0).equals(tree.getObjectId(1)) || tree.getRawMode(0) != tree.getRawMode(1)) {
                    changed.add(tree.getPathString());
                }
            }
            return changed;
        } catch (IOException e) {
            throw new GitException(
                    "Cannot diff " + fromCommit + ".." + toCommit + " in " + location + ": " + e.getMessage(), e);
        }
    }

    /** The commit time of a commit, in seconds since the epoch (to order revisions). */
    public long commitTime(String commit) {
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.parseCommit(ObjectId.fromString(resolve(commit))).getCommitTime();
        } catch (IOException e) {
            throw new GitException("Cannot read commit " + commit + " in " + location + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        repository.close();
    }
}
