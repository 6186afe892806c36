package ai.magicode.appliance.github;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.git.BranchPush;
import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.HttpSettings;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The one component every push goes through. Just before pushing it checks, through the API, that the target is a
 * branch under the bot's prefix, not protected and matched by no ruleset, and that a force push only ever rewrites
 * a branch the appliance itself created (remembered in store section {@code github.created-branches}); then {@code
 * git} executes the push with the installation token. Every decision is audited ({@code github.push}).
 */
public final class PushGuard {
    /** How a push request ended. */
    public sealed interface Result permits Pushed, Refused {}

    /**
     * The branch now points at the commit.
     *
     * @param branch the branch
     * @param commit the commit pushed
     * @param created whether the push created the branch
     */
    public record Pushed(String branch, String commit, boolean created) implements Result {}

    /**
     * The guard (or the remote) refused; nothing was pushed.
     *
     * @param reason a short code: {@code outside-prefix}, {@code invalid-name}, {@code protected}, {@code ruleset},
     *     {@code foreign-force}, {@code rejected}
     * @param detail a sentence for the job log
     */
    public record Refused(String reason, String detail) implements Result {}

    private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._/-]+");
    private static final String ZERO = "0".repeat(40);

    private final HttpSettings http;
    private final String prefix;
    private final ApplianceStore store;
    private final Consumer<AuditEvent> audit;
    private final State state;

    public PushGuard(String prefix, ApplianceStore store, Consumer<AuditEvent> audit) {
        this(prefix, store, audit, HttpSettings.DIRECT);
    }

    /** A guard whose pushes reach the server through {@code http}'s CA bundle and proxy. */
    public PushGuard(String prefix, ApplianceStore store, Consumer<AuditEvent> audit, HttpSettings http) {
        this.prefix = prefix;
        this.store = store;
        this.audit = audit;
        this.http = http;
        this.state = store.section("github.created-branches", State.class, State::new);
    }

    /**
     * Pushes {@code commit} from the local repository to {@code branch} of the client's repository, if allowed.
     *
     * @param force allow rewriting the branch (only ever granted for branches the appliance created)
     * @throws GitHubException when GitHub cannot be asked (then nothing is pushed: the guard fails closed)
     */
    public Result push(RepoClient repo, Path localRepo, String commit, String branch, boolean force) {
        AuditEvent.Builder event = AuditEvent.of("github.push", repo.repo() + ":" + branch)
                .field("commit", commit)
                .field("force", force)
                .field("installation", repo.installationId());
        Optional<Refused> refusal = checkName(branch);
        Optional<RepoClient.Branch> remote = Optional.empty();
        try {
            if (refusal.isEmpty()) {
                remote = repo.branch(branch);
                refusal = checkRemote(repo, branch, remote, force);
            }
        } catch (RuntimeException e) {
            audit.accept(event.field("reason", "check-failed")
                    .field("error", e.getClass().getSimpleName())
                    .failure());
            throw e;
        }
        if (refusal.isPresent()) {
            audit.accept(event.field("reason", refusal.get().reason()).denied());
            return refusal.get();
        }
        char[] token = repo.token().value().toCharArray();
        BranchPush.Outcome outcome;
        try {
            outcome = BranchPush.push(
                    localRepo,
                    repo.gitUrl(),
                    commit,
                    branch,
                    force,
                    Optional.of(remote.map(RepoClient.Branch::sha).orElse(ZERO)),
                    token,
                    http);
        } catch (GitException e) {
            audit.accept(event.field("reason", "push-failed")
                    .field("error", e.getClass().getSimpleName())
                    .failure());
            throw new GitHubException("Push of " + branch + " to " + repo.repo() + " failed: " + e.getMessage(), e);
        } finally {
            Arrays.fill(token, '\0');
        }
        if (!outcome.pushed()) {
            audit.accept(event.field("reason", "rejected")
                    .field("status", outcome.status())
                    .failure());
            return new Refused(
                    "rejected",
                    "The remote refused the push of " + branch + ": " + outcome.status()
                            + outcome.message().map(m -> " (" + m + ")").orElse(""));
        }
        boolean created = remote.isEmpty();
        if (created) {
            remember(repo.repo(), branch);
        }
        audit.accept(event.field("created", created)
                .field("status", outcome.status())
                .success());
        return new Pushed(branch, commit, created);
    }

    /** Whether the appliance created this branch (so may rewrite it). */
    public boolean created(RepoName repo, String branch) {
        synchronized (state) {
            return state.branches.containsKey(repo + ":" + branch);
        }
    }

    private Optional<Refused> checkName(String branch) {
        if (branch == null || !branch.startsWith(prefix) || branch.length() == prefix.length()) {
            return Optional.of(new Refused(
                    "outside-prefix", "The appliance only pushes branches under " + prefix + ", not " + branch));
        }
        if (!BRANCH.matcher(branch).matches()
                || branch.contains("..")
                || branch.contains("//")
                || branch.endsWith("/")
                || branch.endsWith(".")
                || branch.endsWith(".lock")
                || branch.contains("/.")) {
            return Optional.of(new Refused("invalid-name", "Not a valid branch name: " + branch));
        }
        return Optional.empty();
    }

    private Optional<Refused> checkRemote(
            RepoClient repo, String branch, Optional<RepoClient.Branch> remote, boolean force) {
        if (remote.isPresent() && remote.get().isProtected()) {
            return Optional.of(new Refused("protected", branch + " is a protected branch"));
        }
        List<String> rules = repo.branchRules(branch);
        if (!rules.isEmpty()) {
            return Optional.of(new Refused("ruleset", branch + " is matched by a ruleset (rules " + rules + ")"));
        }
        if (force && remote.isPresent() && !created(repo.repo(), branch)) {
            return Optional.of(new Refused(
                    "foreign-force", branch + " was not created by the appliance: it is never force-pushed"));
        }
        return Optional.empty();
    }

    private void remember(RepoName repo, String branch) {
        synchronized (state) {
            state.branches.put(repo + ":" + branch, Instant.now());
            store.store(state.branches);
        }
    }

    /** Persistent: {@code owner/repo:branch} of every branch the appliance created, with when. */
    static final class State {
        final Map<String, Instant> branches = new HashMap<>();
    }
}
