package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventParserTest {
    private final EventParser parser = new EventParser(25L << 20);

    static List<WebhookExamples.Example> examples() {
        return WebhookExamples.all();
    }

    @Test
    void everySubscribedEventTypeHasExamplesInEverySource() {
        Map<String, Set<String>> typesBySource = examples().stream()
                .collect(Collectors.groupingBy(
                        WebhookExamples.Example::source,
                        Collectors.mapping(WebhookExamples.Example::event, Collectors.toCollection(TreeSet::new))));
        for (String source : WebhookExamples.SOURCES) {
            assertEquals(new TreeSet<>(GitHubEvent.TYPES), typesBySource.get(source), source);
        }
        assertTrue(examples().size() > 150, "examples: " + examples().size());
    }

    @ParameterizedTest
    @MethodSource("examples")
    void parsesEveryExamplePayload(WebhookExamples.Example example) {
        GitHubEvent event = parser.parse(example.event(), example.body());
        assertEquals(example.event(), event.type());
        // What the agent needs is there whenever the payload has it.
        switch (event) {
            case GitHubEvent.Issues issues -> assertTrue(issues.number() > 0, example.toString());
            case GitHubEvent.IssueComment comment -> {
                assertTrue(comment.number() > 0, example.toString());
                assertTrue(comment.comment().id() > 0, example.toString());
            }
            case GitHubEvent.PullRequest pr -> {
                assertTrue(pr.number() > 0, example.toString());
                assertFalse(pr.head().sha().isEmpty(), example.toString());
            }
            case GitHubEvent.PullRequestReview review -> assertTrue(review.reviewId() > 0, example.toString());
            case GitHubEvent.PullRequestReviewComment comment -> {
                assertTrue(comment.number() > 0, example.toString());
                assertFalse(comment.path().isEmpty(), example.toString());
            }
            case GitHubEvent.PullRequestReviewThread thread -> assertTrue(thread.number() > 0, example.toString());
            case GitHubEvent.Installation installation -> assertTrue(installation.id() > 0, example.toString());
            case GitHubEvent.InstallationRepositories repos -> assertTrue(repos.id() > 0, example.toString());
            case GitHubEvent.Push push -> {
                assertTrue(push.ref().startsWith("refs/"), example.toString());
                assertFalse(push.defaultBranch().isEmpty(), example.toString());
            }
            case GitHubEvent.CheckRun run -> assertFalse(run.headSha().isEmpty(), example.toString());
            case GitHubEvent.CheckSuite suite -> assertFalse(suite.headSha().isEmpty(), example.toString());
            case GitHubEvent.Ping ping -> assertFalse(ping.zen().isEmpty(), example.toString());
        }
        event.context().repository().ifPresent(repo -> {
            assertTrue(repo.id() > 0, example.toString());
            assertTrue(repo.fullName().contains("/"), example.toString());
        });
    }

    @Test
    void readsWhatTheAgentNeedsFromAnIssueComment() {
        GitHubEvent.IssueComment event = (GitHubEvent.IssueComment) parser.parse("issue_comment", json("""
                        {"action":"created","issue":{"number":7,"pull_request":{"url":"u"}},
                         "comment":{"id":99,"body":"please fix","user":{"login":"octocat"}},
                         "repository":{"id":"123","full_name":"o/r"},"installation":{"id":"42"},
                         "sender":{"login":"octocat"}}
                        """));
        assertEquals("created", event.context().action());
        assertEquals(
                new GitHubEvent.Repository(123, "o/r"),
                event.context().repository().orElseThrow());
        assertEquals(42, event.context().installationId().orElseThrow());
        assertEquals(7, event.number());
        assertTrue(event.onPullRequest());
        assertEquals("please fix", event.comment().body());
        assertEquals("octocat", event.comment().author().login());
    }

    @Test
    void toleratesTimestampsAsNumbersOrStringsAndMissingFields() {
        for (String createdAt : List.of("1525109898", "\"2018-04-30T17:38:18Z\"", "null", "{}")) {
            GitHubEvent.Installation event = (GitHubEvent.Installation)
                    parser.parse(
                            "installation",
                            json(
                                    "{\"action\":\"created\",\"installation\":{\"id\":5,\"created_at\":" + createdAt
                                            + ",\"account\":{\"login\":\"acme\"}},\"repositories\":[{\"id\":1,\"full_name\":\"acme/a\"},7]}"));
            assertEquals(5, event.id());
            assertEquals("acme", event.account());
            assertEquals(List.of(new GitHubEvent.Repository(1, "acme/a")), event.repositories());
        }
        GitHubEvent.Push push = (GitHubEvent.Push) parser.parse("push", json("{}"));
        assertEquals("", push.ref());
        assertFalse(push.movesDefaultBranch(), "a push that names no branch moves none");
        assertTrue(push.context().repository().isEmpty());
        assertTrue(push.context().installationId().isEmpty());
    }

    @Test
    void aPushMovesTheDefaultBranchOnlyWhenItUpdatesThatRef() {
        String repository = ",\"repository\":{\"id\":9,\"full_name\":\"acme/a\",\"default_branch\":\"trunk\"}}";
        GitHubEvent.Push toTrunk =
                (GitHubEvent.Push) parser.parse("push", json("{\"ref\":\"refs/heads/trunk\"" + repository));
        GitHubEvent.Push toTopic =
                (GitHubEvent.Push) parser.parse("push", json("{\"ref\":\"refs/heads/topic\"" + repository));
        GitHubEvent.Push deleted = (GitHubEvent.Push)
                parser.parse("push", json("{\"ref\":\"refs/heads/trunk\",\"deleted\":true" + repository));
        GitHubEvent.Push tag =
                (GitHubEvent.Push) parser.parse("push", json("{\"ref\":\"refs/tags/trunk\"" + repository));
        assertEquals("trunk", toTrunk.defaultBranch());
        assertTrue(toTrunk.movesDefaultBranch());
        assertFalse(toTopic.movesDefaultBranch());
        assertFalse(deleted.movesDefaultBranch());
        assertFalse(tag.movesDefaultBranch());
    }

    @Test
    void readsLabelsAndCheckConclusions() {
        GitHubEvent.Issues issue = (GitHubEvent.Issues)
                parser.parse(
                        "issues",
                        json(
                                "{\"action\":\"labeled\",\"issue\":{\"number\":3,\"labels\":[{\"name\":\"magicode\"},{\"x\":1},\"bug\"]}}"));
        assertEquals(List.of("magicode", "bug"), issue.labels());
        GitHubEvent.CheckRun run = (GitHubEvent.CheckRun)
                parser.parse(
                        "check_run",
                        json(
                                "{\"action\":\"completed\",\"check_run\":{\"id\":1,\"conclusion\":\"failure\",\"head_sha\":\"abc\","
                                        + "\"check_suite\":{\"head_branch\":\"magicode/fix-1\"},\"pull_requests\":[{\"number\":9}]}}"));
        assertEquals("failure", run.conclusion().orElseThrow());
        assertEquals("magicode/fix-1", run.headBranch());
        assertEquals(List.of(9L), run.pullRequests());
    }

    @Test
    void refusesBodiesThatAreNotJsonObjects() {
        for (String body : List.of("", "not json", "[1,2]", "42", "{\"a\":", "null", "{\"a\":1}}")) {
            WebhookException e = assertThrows(WebhookException.class, () -> parser.parse("push", json(body)), body);
            assertFalse(e.getMessage().contains(body.isEmpty() ? "\u0000" : body), "echoes the body: " + body);
        }
    }

    @Test
    void parseAndEnvelopeRefuseMalformedAndUnreadableBodiesAlike() {
        for (String body : List.of("not json", "{\"a\":", "{\"a\":1}}", "{\"action\":tru}")) {
            assertEquals(
                    "The body is not valid JSON",
                    assertThrows(WebhookException.class, () -> parser.parse("push", json(body)))
                            .getMessage(),
                    body);
            assertEquals(
                    "The body is not valid JSON",
                    assertThrows(WebhookException.class, () -> parser.envelope(json(body)))
                            .getMessage(),
                    body);
        }
        assertEquals(
                "The body could not be read as JSON",
                EventParser.refusal(new java.io.IOException("stream closed")).getMessage());
    }

    @Test
    void refusesDeepNestingWithoutOverflowingTheStack() {
        String deep = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
        assertThrows(WebhookException.class, () -> parser.parse("push", json(deep)));
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsedEventsAreTheSealedTypes() {
        assertInstanceOf(GitHubEvent.Ping.class, parser.parse("ping", json("{\"zen\":\"z\",\"hook_id\":1}")));
    }
}
