package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.Outcome;
import ai.magicode.appliance.git.GitFixture;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST client, tokens and operations against the GHES simulator, with every exchange checked against GHES 3.19. */
class GitHubClientIT {
    private static final Map<String, String> JOB = Map.of(
            "contents", "write", "issues", "write", "pull_requests", "write", "checks", "read", "actions", "read");

    @TempDir
    Path dir;

    private GhesSimulator ghes;
    private GitHubHarness harness;
    private RepoClient shop;
    private String mainSha;

    @BeforeEach
    void start() throws Exception {
        try (GitFixture repo = GitFixture.create(dir.resolve("shop.git"), true)) {
            repo.file("README.md", "# shop\n").file("src/app.py", "print('hi')\n");
            mainSha = repo.commit("initial");
        }
        ghes = GhesSimulator.start()
                .withInstallation(77, "acme")
                .withRepo("acme/shop", dir.resolve("shop.git"))
                .withRepo("acme/other", dir.resolve("shop.git"));
        harness = new GitHubHarness(ghes, dir.resolve("data"));
        shop = harness.github.repository("acme", 77, RepoName.parse("acme/shop"), JOB);
    }

    @AfterEach
    void stop() {
        try {
            assertEquals(List.of(), ghes.violations(), "requests or responses outside GitHub's GHES 3.19 contract");
        } finally {
            harness.close();
            ghes.close();
        }
    }

    @Test
    void requestsTokenNarrowedToOneRepositoryAndTheJobsPermissions() {
        shop.issue(ghes.repo("acme/shop").issue("Bug", "It breaks"));
        List<GhesSimulator.Recorded> requests = tokenRequests();
        assertEquals(1, requests.size());
        JsonNode body = requests.get(0).json();
        assertEquals("[\"shop\"]", body.path("repositories").toString());
        assertEquals(JOB.size(), body.path("permissions").size());
        JOB.forEach((name, level) ->
                assertEquals(level, body.path("permissions").path(name).asText()));
        assertTrue(requests.get(0).headers().get("authorization").startsWith("Bearer "));
        // The simulator, like GitHub, holds the token to that one repository.
        assertTrue(ghes.issuedTokens().values().stream()
                .allMatch(t -> t.repositories().equals(java.util.Set.of("shop"))));
    }

    @Test
    void reusesTheCachedTokenAndRenewsItShortlyBeforeItExpires() {
        InstallationTokens.Token first = harness.github.tokens().token(77, "shop", JOB);
        assertSame(first, harness.github.tokens().token(77, "shop", JOB));
        assertEquals(1, tokenRequests().size());
        assertFalse(first.toString().contains(first.value()), "a token's toString never shows it");
        // Different permissions: a token of their own.
        harness.github.tokens().token(77, "shop", Map.of("contents", "read"));
        assertEquals(2, tokenRequests().size());
        harness.clock.advance(Duration.between(Instant.now(), first.expiresAt()).minus(Duration.ofMinutes(4)));
        InstallationTokens.Token renewed = harness.github.tokens().token(77, "shop", JOB);
        assertNotEquals(first.value(), renewed.value());
        assertEquals(3, tokenRequests().size());
        assertEquals(3, harness.audited("github.installation-token.create").size());
        assertTrue(harness.audit.stream().noneMatch(e -> e.toString().contains(first.value())));
    }

    @Test
    void readsAUsersPermissionWithNoneForStrangersAndCachesItForAMinute() {
        ghes.repo("acme/shop")
                .collaborator("writer", "write")
                .collaborator("keeper", "maintain")
                .collaborator("triager", "triage")
                .collaborator("reader", "read");
        assertEquals("admin", shop.permission("acme"), "the owner account");
        assertEquals("write", shop.permission("writer"));
        assertEquals("write", shop.permission("keeper"), "GitHub's permission answers maintain as write");
        assertEquals("read", shop.permission("triager"), "and triage as read");
        assertEquals("read", shop.permission("reader"));
        assertEquals("none", shop.permission("stranger"), "GitHub's 404 for a non-collaborator");
        assertEquals(6, permissionRequests());

        // Cached per installation, repository and login for a minute, so a changed permission shows after that.
        ghes.repo("acme/shop").collaborator("reader", "write");
        assertEquals("read", shop.permission("reader"));
        assertEquals("none", shop.permission("stranger"));
        assertEquals(6, permissionRequests());
        RepoClient other = harness.github.repository("acme", 77, RepoName.parse("acme/other"), JOB);
        assertEquals("none", other.permission("reader"), "another repository is asked on its own");
        assertEquals(7, permissionRequests());
        harness.clock.advance(Duration.ofSeconds(61));
        assertEquals("write", shop.permission("reader"));
        assertEquals(8, permissionRequests());
    }

    private long permissionRequests() {
        return ghes.requests().stream()
                .filter(r -> r.method().equals("GET") && r.path().contains("/collaborators/"))
                .count();
    }

    @Test
    void followsLinkHeadersThroughEveryPage() {
        long issue = ghes.repo("acme/shop").issue("Many", "comments");
        for (int i = 0; i < 230; i++) {
            shop.comment(issue, "comment " + i);
        }
        List<RepoClient.Comment> comments = shop.comments(issue);
        assertEquals(230, comments.size());
        assertEquals("comment 229", comments.get(229).body());
        long pages = ghes.requests().stream()
                .filter(r -> r.method().equals("GET") && r.path().endsWith("/issues/" + issue + "/comments"))
                .count();
        assertEquals(3, pages);
        assertEquals(230, harness.audited("github.issue.comment").size());
    }

    @Test
    void revalidatesWithTheEtagAndServesA304FromTheCache() {
        long number = ghes.repo("acme/shop").issue("Cached", "body");
        RepoClient.Issue first = shop.issue(number);
        RepoClient.Issue second = shop.issue(number);
        assertEquals(first, second);
        List<GhesSimulator.Recorded> gets = ghes.requests().stream()
                .filter(r -> r.path().endsWith("/issues/" + number))
                .toList();
        assertEquals(2, gets.size());
        assertFalse(gets.get(0).headers().containsKey("if-none-match"));
        assertTrue(gets.get(1).headers().containsKey("if-none-match"));
    }

    @Test
    void waitsOutASecondaryLimitOnAnIdempotentCall() {
        long number = ghes.repo("acme/shop").issue("Limited", "");
        shop.token();
        ghes.secondaryLimit(2, 429, Optional.of(7));
        assertEquals("Limited", shop.issue(number).title());
        assertEquals(List.of(Duration.ofSeconds(7), Duration.ofSeconds(7)), harness.waits);
    }

    @Test
    void waitsForThePrimaryLimitToReset() {
        long number = ghes.repo("acme/shop").issue("Primary", "");
        shop.token();
        ghes.primaryLimitSpent(harness.clock.instant().plusSeconds(30).getEpochSecond());
        assertEquals("Primary", shop.issue(number).title());
        assertEquals(1, harness.waits.size());
        assertTrue(
                harness.waits.get(0).toSeconds() >= 29 && harness.waits.get(0).toSeconds() <= 32,
                harness.waits.toString());
    }

    @Test
    void failsClearlyWhenTheLimitLastsLongerThanItMayWait() {
        long number = ghes.repo("acme/shop").issue("Long", "");
        shop.token();
        ghes.secondaryLimit(1, 403, Optional.of(3600));
        GitHubException e = assertThrows(GitHubException.class, () -> shop.issue(number));
        assertTrue(e.getMessage().contains("rate limited"), e.getMessage());
        assertEquals(List.of(), harness.waits);
    }

    @Test
    void neverRetriesAPost() {
        long number = ghes.repo("acme/shop").issue("Post", "");
        shop.token();
        ghes.secondaryLimit(1, 403, Optional.of(1));
        GitHubException e = assertThrows(GitHubException.class, () -> shop.comment(number, "hello"));
        assertTrue(e.getMessage().contains("not retried"), e.getMessage());
        long posts = ghes.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().endsWith("/comments"))
                .count();
        assertEquals(1, posts);
        assertEquals(List.of(), ghes.repo("acme/shop").comments(number));
        List<AuditEvent> audited = harness.audited("github.issue.comment");
        assertEquals(1, audited.size());
        assertEquals(Outcome.FAILURE, audited.get(0).outcome());
    }

    @Test
    void retriesAnIdempotentCallAfterServerErrors() {
        long number = ghes.repo("acme/shop").issue("Flaky", "");
        shop.token();
        ghes.serverErrors(2);
        assertEquals("Flaky", shop.issue(number).title());
        assertEquals(2, harness.waits.size());
    }

    @Test
    void doesTheAgentsWorkOnIssuesPullRequestsReviewsAndChecks() throws Exception {
        GhesSimulator.Repo repo = ghes.repo("acme/shop");
        long issue = repo.issue("Checkout fails", "Stack trace attached");
        assertEquals("Checkout fails", shop.issue(issue).title());
        shop.reactToIssue(issue, "eyes");
        RepoClient.Comment comment = shop.comment(issue, "On it");
        shop.reactToComment(comment.id(), "+1");
        assertEquals(List.of("#" + issue + ":eyes", "comment:" + comment.id() + ":+1"), repo.reactions());

        RepoClient.PullRequest pr = shop.createPullRequest("main", "main", "Fix checkout", "Fixes #" + issue, true);
        assertTrue(pr.draft());
        assertEquals(mainSha, pr.headSha());
        shop.setDraft(pr, false);
        assertFalse(shop.pullRequest(pr.number()).draft());
        shop.updatePullRequest(pr.number(), Optional.of("Fix checkout (v2)"), Optional.empty(), Optional.empty());
        assertEquals(
                "Fix checkout (v2)", shop.pullRequestsForHead("main").get(0).title());
        assertEquals(List.of(), shop.pullRequestsForHead("magicode/none"));

        long review = repo.reviewComment(pr.number(), "src/app.py", 1, "Use logging");
        RepoClient.ReviewComment reply = shop.replyToReviewComment(pr.number(), review, "Done");
        assertEquals(review, reply.inReplyTo());
        assertEquals(2, shop.reviewComments(pr.number()).size());
        RepoClient.ReviewThread thread = shop.reviewThreads(pr.number()).get(0);
        assertEquals(review, thread.firstCommentId());
        shop.resolveReviewThread(thread.id());
        assertTrue(repo.resolved(thread.id()));

        long run = repo.checkRun(mainSha, "tests", "failure");
        RepoClient.CheckRun check = shop.checkRuns(mainSha).get(0);
        assertEquals("failure", check.conclusion());
        assertTrue(shop.jobLog(run).contains("tests failure"));

        assertEquals(mainSha, shop.branch("main").orElseThrow().sha());
        assertEquals(Optional.empty(), shop.branch("magicode/none"));
        assertEquals(List.of(), shop.branchRules("main"));
        assertEquals(
                "print('hi')\n",
                new String(shop.file("src/app.py", "main").orElseThrow().content()));
        assertEquals(Optional.empty(), shop.file("missing.txt", "main"));

        for (String action : List.of(
                "github.reaction.create",
                "github.issue.comment",
                "github.pr.create",
                "github.pr.ready",
                "github.pr.update",
                "github.review-comment.reply",
                "github.review-thread.resolve")) {
            assertFalse(harness.audited(action).isEmpty(), action + " is audited");
            assertEquals("acme", harness.audited(action).get(0).tenant());
        }
    }

    @Test
    void listsInstallationsAndTheirRepositories() {
        assertEquals(77, harness.github.installations().get(0).id());
        assertEquals("acme", harness.github.installations().get(0).account());
        assertEquals(
                77,
                harness.github
                        .installationFor(RepoName.parse("acme/shop"))
                        .orElseThrow()
                        .id());
        assertEquals(Optional.empty(), harness.github.installationFor(RepoName.parse("acme/nothing")));
        assertEquals(
                List.of("acme/other", "acme/shop"),
                harness.github.repositories(77).stream()
                        .map(r -> r.name().toString())
                        .sorted()
                        .toList());
    }

    @Test
    void recoversDeliveriesTheInboxDoesNotKnow() {
        Instant now = harness.clock.instant();
        ghes.withDelivery("known", "issues", 202, now.minusSeconds(300))
                .withDelivery("failed", "issue_comment", 502, now.minusSeconds(200))
                .withDelivery("lost", "pull_request", 202, now.minusSeconds(100))
                .withDelivery("ancient", "push", 500, now.minus(Duration.ofDays(5)));
        List<Long> expected = List.of(
                ghes.deliveryIds("lost").get(0), ghes.deliveryIds("failed").get(0));
        DeliveryRecovery recovery = new DeliveryRecovery(harness.github, "known"::equals, harness.clock);
        DeliveryRecovery.Result result = recovery.recover(Duration.ofDays(1));
        assertEquals(3, result.events());
        assertEquals(2, result.redelivered());
        assertEquals(expected, ghes.redeliveryRequests());
        assertEquals(2, harness.audited("github.hook-delivery.redeliver").size());
    }

    @Test
    void storesTheManifestConversionInTheVaultOnly() throws Exception {
        String pem = AppKeys.generate().pkcs1Pem();
        ghes.withManifestCode("abc123", pem);
        JsonNode registration = harness.github.convertManifest("abc123");
        String webhookSecret = registration.path("webhook_secret").asText();
        String clientSecret = registration.path("client_secret").asText();
        long id = harness.app.register(registration, ai.magicode.appliance.audit.Actor.user("root"), "req-1");
        assertEquals(registration.path("id").asLong(), id);
        assertEquals(
                pem,
                new String(harness.vault.read("-", GitHubApp.PRIVATE_KEY_SECRET).orElseThrow()));
        assertEquals(
                webhookSecret,
                new String(harness.vault.read("-", GitHubApp.WEBHOOK_SECRET).orElseThrow()));
        assertEquals(
                clientSecret,
                new String(
                        harness.vault.read("-", GitHubApp.CLIENT_SECRET_SECRET).orElseThrow()));
        assertEquals(
                Long.toString(id),
                new String(harness.vault.read("-", GitHubApp.APP_ID_SECRET).orElseThrow()));
        for (AuditEvent event : harness.audit) {
            assertFalse(event.toString().contains(webhookSecret), event.toString());
            assertFalse(event.toString().contains(clientSecret), event.toString());
        }
        // Not in the store's files either: only sealed.
        try (var files = java.nio.file.Files.walk(dir.resolve("data"))) {
            for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                String content = new String(
                        java.nio.file.Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(webhookSecret), file.toString());
                assertFalse(content.contains(clientSecret), file.toString());
                assertFalse(content.contains("BEGIN RSA PRIVATE KEY"), file.toString());
            }
        }
    }

    private List<GhesSimulator.Recorded> tokenRequests() {
        return ghes.requests().stream()
                .filter(r -> r.path().endsWith("/access_tokens"))
                .toList();
    }
}
