package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.Outcome;
import ai.magicode.appliance.git.GitFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The push guard against the GHES simulator: real pushes over Git smart HTTP, refusals before any byte is sent. */
class PushGuardIT {
    @TempDir
    Path dir;

    private GhesSimulator ghes;
    private GitHubHarness harness;
    private PushGuard guard;
    private RepoClient shop;
    private Path remote;
    private Path local;
    private String first;
    private String second;

    @BeforeEach
    void start() throws Exception {
        remote = dir.resolve("remote.git");
        String remoteMain;
        try (GitFixture repo = GitFixture.create(remote, true)) {
            remoteMain = repo.file("README.md", "# shop\n").commit("initial");
        }
        for (String branch : List.of("magicode/locked", "magicode/foreign")) {
            setRef(remote, branch, remoteMain);
        }
        local = dir.resolve("local.git");
        try (GitFixture repo = GitFixture.create(local, true)) {
            first = repo.file("fix.txt", "one\n").commit("fix one");
            second = repo.file("fix.txt", "two\n").commit("fix two");
        }
        ghes = GhesSimulator.start().withInstallation(9, "acme").withRepo("acme/shop", remote);
        ghes.repo("acme/shop").protect("main").protect("magicode/locked").ruleset("magicode/release-*");
        harness = new GitHubHarness(ghes, dir.resolve("data"));
        guard = new PushGuard("magicode/", harness.store, harness.audit::add);
        shop = harness.github.repository("acme", 9, RepoName.parse("acme/shop"), Map.of("contents", "write"));
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), ghes.violations());
        } finally {
            harness.close();
            ghes.close();
        }
    }

    @Test
    void pushesAMagicodeBranchForRealOverSmartHttp() throws Exception {
        PushGuard.Result result = guard.push(shop, local, second, "magicode/fix-1", false);
        assertEquals(new PushGuard.Pushed("magicode/fix-1", second, true), result);
        assertEquals(second, head(remote, "magicode/fix-1"));
        assertEquals(List.of("magicode/fix-1=" + second), ghes.repo("acme/shop").pushes());
        assertTrue(guard.created(RepoName.parse("acme/shop"), "magicode/fix-1"));
        AuditEvent event = pushEvents().get(0);
        assertEquals(Outcome.SUCCESS, event.outcome());
        assertEquals("acme/shop:magicode/fix-1", event.target());
    }

    @Test
    void neverPushesToAProtectedBranch() throws Exception {
        assertRefused("protected", guard.push(shop, local, second, "magicode/locked", false));
        assertEquals(List.of(), ghes.repo("acme/shop").pushes());
        assertEquals(Outcome.DENIED, pushEvents().get(0).outcome());
    }

    @Test
    void neverPushesToABranchMatchedByARuleset() throws Exception {
        assertRefused("ruleset", guard.push(shop, local, second, "magicode/release-2", false));
        assertEquals(List.of(), ghes.repo("acme/shop").pushes());
        assertEquals(ObjectId.zeroId().name(), head(remote, "magicode/release-2"));
    }

    @Test
    void neverPushesOutsideItsPrefix() {
        for (String branch : List.of("main", "feature/x", "magicode/", "magicodex/y")) {
            assertRefused("outside-prefix", guard.push(shop, local, second, branch, true));
        }
        for (String branch : List.of("magicode/../main", "magicode/a b", "magicode/x.lock")) {
            assertRefused("invalid-name", guard.push(shop, local, second, branch, false));
        }
        assertEquals(List.of(), ghes.requests(), "refused before asking GitHub anything");
        assertEquals(7, pushEvents().size());
        assertTrue(pushEvents().stream().allMatch(e -> e.outcome() == Outcome.DENIED));
    }

    @Test
    void neverForcePushesABranchItDidNotCreate() throws Exception {
        String before = head(remote, "magicode/foreign");
        assertRefused("foreign-force", guard.push(shop, local, first, "magicode/foreign", true));
        assertEquals(before, head(remote, "magicode/foreign"));
    }

    @Test
    void forcePushesOnlyItsOwnBranch() throws Exception {
        assertInstanceOf(PushGuard.Pushed.class, guard.push(shop, local, second, "magicode/own", false));
        // Rewinding without force is refused by the remote ...
        assertRefused("rejected", guard.push(shop, local, first, "magicode/own", false));
        assertEquals(second, head(remote, "magicode/own"));
        // ... and allowed with force, because the appliance created the branch.
        assertEquals(
                new PushGuard.Pushed("magicode/own", first, false),
                guard.push(shop, local, first, "magicode/own", true));
        assertEquals(first, head(remote, "magicode/own"));
    }

    private static void assertRefused(String reason, PushGuard.Result result) {
        PushGuard.Refused refused = assertInstanceOf(PushGuard.Refused.class, result);
        assertEquals(reason, refused.reason(), refused.detail());
    }

    private List<AuditEvent> pushEvents() {
        return harness.audited("github.push");
    }

    private static String head(Path gitDir, String branch) throws Exception {
        try (Repository repository = new FileRepositoryBuilder()
                .setGitDir(gitDir.toFile())
                .setMustExist(true)
                .build()) {
            Ref ref = repository.exactRef("refs/heads/" + branch);
            return ref == null ? ObjectId.zeroId().name() : ref.getObjectId().name();
        }
    }

    private static void setRef(Path gitDir, String branch, String sha) throws Exception {
        try (Repository repository = new FileRepositoryBuilder()
                .setGitDir(gitDir.toFile())
                .setMustExist(true)
                .build()) {
            RefUpdate update = repository.updateRef("refs/heads/" + branch);
            update.setNewObjectId(ObjectId.fromString(sha));
            update.setForceUpdate(true);
            update.update();
        }
    }
}
