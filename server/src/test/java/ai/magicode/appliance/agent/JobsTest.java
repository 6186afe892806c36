package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobsTest {
    @TempDir
    Path dir;

    private static Jobs.Request request(long issue) {
        return new Jobs.Request("acme", 7, "acme/shop", 77, issue, "A bug", "label", "octocat", 0);
    }

    @Test
    void anIssueHasOneJobUntilItEnds() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            Jobs.Triggered first = jobs.trigger(request(1));
            Jobs.Triggered second = jobs.trigger(request(1));
            assertTrue(first.created());
            assertFalse(second.created());
            assertEquals(first.job().id(), second.job().id());
            assertTrue(jobs.trigger(request(2)).created(), "another issue gets its own job");

            jobs.move(first.job().id(), Job.State.OPEN);
            assertFalse(jobs.trigger(request(1)).created(), "an open pull request still is the issue's job");
            jobs.move(first.job().id(), Job.State.FAILED);
            assertTrue(jobs.trigger(request(1)).created(), "after the job ended the issue may get a new one");
        }
    }

    @Test
    void jobsAndTheirStepsSurviveAReopenAndOnlyRunningOnesAreResumed() {
        String running;
        String open;
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            running = jobs.trigger(request(1)).job().id();
            Instant now = Instant.now();
            jobs.update(
                    running,
                    j -> j.withStep(
                            new Job.Step("edit", now, now, 100, 20, 0.5, "ollama/llama3.1:8b", true, "ok", "done")));
            jobs.move(running, Job.State.WORKING);
            open = jobs.trigger(request(2)).job().id();
            jobs.move(open, Job.State.OPEN);
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            Job job = jobs.find(running).orElseThrow();
            assertEquals(Job.State.WORKING, job.state());
            assertTrue(job.completed("edit"));
            assertFalse(job.completed("push"));
            assertEquals(120, job.tokens());
            assertEquals(
                    List.of(running), jobs.unfinished().stream().map(Job::id).toList());
            assertTrue(jobs.find("other-tenant", running).isEmpty(), "another tenant never finds the job");
            assertEquals(Job.State.OPEN, jobs.find("acme", open).orElseThrow().state());
        }
    }

    @Test
    void aCancelledJobStaysCancelled() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            String id = jobs.trigger(request(1)).job().id();
            jobs.update(id, j -> j.withState(Job.State.CANCELLED, Instant.now()));
            assertEquals(Job.State.CANCELLED, jobs.move(id, Job.State.PUSHING).state());
        }
    }

    @Test
    void aReviewCommentIsTakenOnceSurvivesAReopenAndLeavesTheQueueWhenAnswered() {
        String job;
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            job = jobs.trigger(request(1)).job().id();
            jobs.update(job, j -> j.withPush("magicode/issue-1-a-bug", "abc").withPullRequest(5));
            assertTrue(jobs.openForBranch("acme", 7, "magicode/issue-1-a-bug").isEmpty(), "not open yet");
            jobs.move(job, Job.State.OPEN);
            assertEquals(
                    job,
                    jobs.openForBranch("acme", 7, "magicode/issue-1-a-bug")
                            .orElseThrow()
                            .id());
            assertTrue(jobs.openForBranch("other", 7, "magicode/issue-1-a-bug").isEmpty(), "another tenant's");
            assertTrue(jobs.stageFollowUp(followUp(job, 11)));
            assertFalse(jobs.stageFollowUp(followUp(job, 11)), "a redelivered comment is not taken twice");
            store.store(jobs.followUpTable());
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Jobs jobs = new Jobs(store, Clock.systemUTC());
            assertEquals(
                    List.of("acme:7:11"),
                    jobs.queuedFollowUps().stream().map(FollowUp::key).toList());
            assertFalse(jobs.stageFollowUp(followUp(job, 11)), "still known after a reopen");
            jobs.finishFollowUp("acme:7:11", "done", "def");
            assertEquals(List.of(), jobs.queuedFollowUps());
            assertEquals("def", jobs.followUp("acme:7:11").orElseThrow().commit());
            jobs.erase("acme");
            assertTrue(jobs.followUp("acme:7:11").isEmpty(), "erased with the tenant");
        }
    }

    private static FollowUp followUp(String job, long comment) {
        return new FollowUp(
                "acme:7:" + comment,
                job,
                5,
                comment,
                comment,
                "src/A.java",
                3,
                "rename this",
                "octocat",
                "queued",
                "",
                Instant.now());
    }
}
