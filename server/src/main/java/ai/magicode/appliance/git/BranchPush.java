package ai.magicode.appliance.git;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Pushes one commit to one branch of a remote over HTTP(S), authenticated as a GitHub App installation
 * ({@code x-access-token:<token>}). It executes; whether a push is allowed is the push guard's decision (package
 * {@code github}), which calls this and nothing else pushes.
 */
public final class BranchPush {
    /** How a push ended. */
    public enum Status {
        OK,
        UP_TO_DATE,
        REJECTED_NON_FAST_FORWARD,
        REJECTED_REMOTE_CHANGED,
        REJECTED_BY_REMOTE
    }

    /**
     * The outcome.
     *
     * @param status how it ended
     * @param message the remote's message, when it gave one
     */
    public record Outcome(Status status, Optional<String> message) {
        public boolean pushed() {
            return status == Status.OK || status == Status.UP_TO_DATE;
        }
    }

    private BranchPush() {}

    /**
     * Pushes {@code commit} of the local repository at {@code repoDir} to {@code refs/heads/<branch>} at {@code remote}.
     *
     * @param force allow a non-fast-forward update
     * @param expectedRemote when present, the remote branch must still point there (or be absent for
     *     {@link ObjectId#zeroId()}), else the push is refused: a lease that keeps a force push from overwriting
     *     someone else's work pushed in between
     * @param token the installation token; the caller keeps ownership and zeroes it
     */
    public static Outcome push(
            Path repoDir,
            URI remote,
            String commit,
            String branch,
            boolean force,
            Optional<String> expectedRemote,
            char[] token) {
        return push(repoDir, remote, commit, branch, force, expectedRemote, token, HttpSettings.DIRECT);
    }

    /** Pushes like {@link #push(Path, URI, String, String, boolean, Optional, char[])}, over {@code http}'s CA and proxy. */
    public static Outcome push(
            Path repoDir,
            URI remote,
            String commit,
            String branch,
            boolean force,
            Optional<String> expectedRemote,
            char[] token,
            HttpSettings http) {
        try (Repository repository = new FileRepositoryBuilder()
                        .setGitDir(gitDir(repoDir).toFile())
                        .setMustExist(true)
                        .build();
                Transport transport = Transport.open(repository, new URIish(remote.toString()))) {
            http.configure(transport);
            ObjectId id = repository.resolve(commit + "^{commit}");
            if (id == null) {
                throw new GitException("No commit " + commit + " in " + repoDir);
            }
            UsernamePasswordCredentialsProvider credentials =
                    new UsernamePasswordCredentialsProvider("x-access-token", Arrays.copyOf(token, token.length));
            transport.setCredentialsProvider(credentials);
            ObjectId expected = expectedRemote.map(ObjectId::fromString).orElse(null);
            RemoteRefUpdate update =
                    new RemoteRefUpdate(repository, id.name(), "refs/heads/" + branch, force, null, expected);
            PushResult result = transport.push(NullProgressMonitor.INSTANCE, List.of(update));
            credentials.clear();
            RemoteRefUpdate done = result.getRemoteUpdate("refs/heads/" + branch);
            Optional<String> message = Optional.ofNullable(done.getMessage());
            return switch (done.getStatus()) {
                case OK -> new Outcome(Status.OK, message);
                case UP_TO_DATE -> new Outcome(Status.UP_TO_DATE, message);
                case REJECTED_NONFASTFORWARD -> new Outcome(Status.REJECTED_NON_FAST_FORWARD, message);
                case REJECTED_REMOTE_CHANGED -> new Outcome(Status.REJECTED_REMOTE_CHANGED, message);
                default ->
                    new Outcome(
                            Status.REJECTED_BY_REMOTE,
                            message.or(() -> Optional.of(done.getStatus().name())));
            };
        } catch (URISyntaxException e) {
            throw new GitException("Not a Git URL: " + remote, e);
        } catch (NotSupportedException | TransportException e) {
            // JGit's transport messages name the URL and the failure, never the password.
            throw new GitException("Push to " + remote + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GitException("Push from " + repoDir + " failed: " + e.getMessage(), e);
        }
    }

    private static Path gitDir(Path repoDir) {
        Path dotGit = repoDir.resolve(".git");
        return java.nio.file.Files.isDirectory(dotGit) ? dotGit : repoDir;
    }
}
