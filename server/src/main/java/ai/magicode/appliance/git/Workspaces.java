package ai.magicode.appliance.git;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Per-job directories that hold a repository fetched at one commit, under {@code DATA_DIR/workspaces}: code
 * lives on disk only while a job needs it. A workspace is deleted when its job closes it, and whatever a
 * crash left behind is swept when the appliance starts ({@link #open}).
 */
public final class Workspaces {
    private static final System.Logger LOG = System.getLogger(Workspaces.class.getName());
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern JOB = Pattern.compile("[A-Za-z0-9._-]{1,80}");
    private static final String TARGET_REF = "refs/magicode/target";

    private final Path root;
    private final HttpSettings http;
    private final SecureRandom random = new SecureRandom();

    private Workspaces(Path root, HttpSettings http) {
        this.root = root;
        this.http = http;
    }

    /**
     * Opens the workspace root (mode 0700), deleting every workspace a previous process left behind.
     *
     * @throws GitException when the directory cannot be created or swept
     */
    public static Workspaces open(Path root) {
        return open(root, HttpSettings.DIRECT);
    }

    /**
     * Opens the workspace root like {@link #open(Path)}; fetches over HTTP(S) use {@code http}'s CA bundle and
     * proxy.
     */
    public static Workspaces open(Path root, HttpSettings http) {
        Workspaces workspaces = new Workspaces(root.toAbsolutePath().normalize(), http);
        int swept = workspaces.sweep();
        if (swept > 0) {
            LOG.log(INFO, "Swept " + swept + " workspace(s) left behind by an earlier process from " + root);
        }
        return workspaces;
    }

    /** Deletes every workspace under the root; returns how many there were. */
    int sweep() {
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            List<Path> left;
            try (Stream<Path> list = Files.list(root)) {
                left = list.toList();
            }
            left.forEach(Workspaces::deleteTree);
            return left.size();
        } catch (IOException e) {
            throw new GitException("Cannot prepare the workspace directory " + root + ": " + e.getMessage(), e);
        }
    }

    /** The workspaces present now (for tests and the health page). */
    public List<Path> present() {
        try (Stream<Path> list = Files.list(root)) {
            return list.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Fetches {@code revision} (a full commit SHA, a branch name, or {@code HEAD} for the default branch) of the
     * repository at {@code remote} into a new
     * bare workspace for {@code job}: only that commit (depth 1) when the server allows it, else its branches.
     *
     * @param token sent as the password of {@code x-access-token} (GitHub installation tokens), never logged
     * @return the open workspace; closing it deletes it
     * @throws GitException when the remote cannot be reached or read, or holds no such revision; the partial
     *     workspace is deleted
     */
    public Workspace fetch(String job, URI remote, Optional<String> token, String revision) {
        if (job == null || !JOB.matcher(job).matches()) {
            throw new GitException("A workspace needs a job id of 1 to 80 letters, digits, '.', '_' or '-'");
        }
        byte[] suffix = new byte[6];
        random.nextBytes(suffix);
        Path dir = root.resolve(job + "-" + HexFormat.of().formatHex(suffix));
        CredentialsProvider credentials = token.map(t -> new UsernamePasswordCredentialsProvider("x-access-token", t))
                .orElse(null);
        try (Git git = Git.init().setBare(true).setDirectory(dir.toFile()).call()) {
            // A workspace lives for one job: no background gc racing its deletion.
            StoredConfig gitConfig = git.getRepository().getConfig();
            gitConfig.setInt("gc", null, "auto", 0);
            gitConfig.setBoolean("gc", null, "autoDetach", false);
            gitConfig.save();
            String commit = fetchInto(git, remote, credentials, revision);
            LOG.log(INFO, "Fetched " + remote + " at " + commit + " into workspace " + dir.getFileName());
            return new Workspace(dir, commit, GitRepository.open(dir));
        } catch (GitAPIException | IOException | RuntimeException e) {
            try {
                deleteTree(dir);
            } catch (GitException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof GitException known) {
                throw known;
            }
            throw new GitException("Cannot fetch " + revision + " of " + remote + ": " + e.getMessage(), e);
        }
    }

    private String fetchInto(Git git, URI remote, CredentialsProvider credentials, String revision)
            throws GitAPIException, IOException {
        String url = remote.toString();
        if (SHA.matcher(revision).matches()) {
            try {
                git.fetch()
                        .setRemote(url)
                        .setCredentialsProvider(credentials)
                        .setTransportConfigCallback(http.callback())
                        .setRefSpecs(new RefSpec(revision + ":" + TARGET_REF))
                        .setDepth(1)
                        .call();
                return resolved(git, TARGET_REF, revision, remote);
            } catch (GitAPIException | org.eclipse.jgit.errors.TransportException | GitException e) {
                // Servers that only serve advertised tips refuse a bare SHA: fetch the branches instead.
                LOG.log(
                        WARNING,
                        "Fetching commit " + revision + " directly was refused (" + e.getMessage()
                                + "); fetching the branches of " + remote);
            }
            git.fetch()
                    .setRemote(url)
                    .setCredentialsProvider(credentials)
                    .setTransportConfigCallback(http.callback())
                    .setRefSpecs(new RefSpec("+refs/heads/*:refs/remotes/origin/*"))
                    .call();
            return resolved(git, revision, revision, remote);
        }
        String source = revision.equals("HEAD") ? "HEAD" : "refs/heads/" + revision;
        git.fetch()
                .setRemote(url)
                .setCredentialsProvider(credentials)
                .setTransportConfigCallback(http.callback())
                .setRefSpecs(new RefSpec("+" + source + ":" + TARGET_REF))
                .setDepth(1)
                .call();
        return resolved(git, TARGET_REF, revision, remote);
    }

    private static String resolved(Git git, String ref, String revision, URI remote) throws IOException {
        ObjectId id = git.getRepository().resolve(ref + "^{commit}");
        if (id == null) {
            throw new GitException("The repository at " + remote + " has no commit " + revision);
        }
        return id.name();
    }

    static void deleteTree(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new GitException("Cannot delete workspace " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * One fetched repository at one commit; closing it deletes its directory.
     *
     * @param dir the bare repository's directory
     * @param commit the full SHA fetched
     * @param repository the repository, open for reading
     */
    public record Workspace(Path dir, String commit, GitRepository repository) implements AutoCloseable {
        @Override
        public void close() {
            repository.close();
            deleteTree(dir);
        }
    }
}
