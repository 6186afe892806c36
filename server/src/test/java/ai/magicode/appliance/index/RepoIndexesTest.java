package ai.magicode.appliance.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.git.Workspaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repository indexes: background updates from fetched workspaces, status and progress, search, per-tenant keys. */
class RepoIndexesTest {
    @TempDir
    Path dir;

    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    private Workspaces workspaces;
    private RepoIndexes indexes;
    private GitFixture origin;

    @BeforeEach
    void setUp() throws Exception {
        origin = GitFixture.create(dir.resolve("origin.git"), true);
        for (int i = 0; i < 30; i++) {
            origin.file("src/pkg/Module" + i + ".java", "class Module" + i + " { void run" + i + "() {} }");
        }
        origin.file("src/billing/InvoiceCalculator.java", "class InvoiceCalculator { long computeTaxTotal() {} }");
        origin.commit("first");
        workspaces = Workspaces.open(dir.resolve("workspaces"));
        indexes = new RepoIndexes(dir.resolve("index"), true, 1_000_000, null, tenant -> key(tenant), audited::add);
    }

    @AfterEach
    void tearDown() {
        indexes.close();
        origin.close();
    }

    private static byte[] key(String tenant) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) tenant.hashCode());
        return key;
    }

    private Supplier<Workspaces.Workspace> source() {
        return () -> workspaces.fetch("index-test", dir.resolve("origin.git").toUri(), Optional.empty(), "main");
    }

    private IndexStatus awaitIdle(String tenant, String repo) throws InterruptedException {
        IndexStatus status = indexes.await(tenant, repo, Duration.ofSeconds(60));
        assertTrue(!status.busy(), "still busy at the deadline: " + status);
        return status;
    }

    @Test
    void awaitChangeFollowsEveryStatusOfAnUpdateUntilItIsIdle() throws Exception {
        IndexStatus none = indexes.status("acme", "43");
        // Nothing changes: the wait ends at its deadline with the status it was given.
        assertEquals(none, indexes.awaitChange("acme", "43", none, Duration.ofMillis(20)));
        IndexStatus seen = indexes.request("acme", "43", source(), Actor.user("u"));
        List<IndexStatus> followed = new java.util.ArrayList<>(List.of(seen));
        while (seen.busy()) {
            IndexStatus next = indexes.awaitChange("acme", "43", seen, Duration.ofSeconds(60));
            assertTrue(!next.equals(seen), "no change before the deadline: " + seen);
            followed.add(next);
            seen = next;
        }
        assertEquals(IndexStatus.State.READY, seen.state(), followed.toString());
        assertEquals(31, seen.filesDone(), seen.toString());
    }

    @Test
    void indexesInTheBackgroundThenSearchesAndLeavesNoWorkspace() throws Exception {
        assertEquals(IndexStatus.State.NONE, indexes.status("acme", "42").state());
        IndexStatus queued = indexes.request("acme", "42", source(), Actor.user("u"));
        assertTrue(queued.busy());
        IndexStatus done = awaitIdle("acme", "42");
        assertEquals(IndexStatus.State.READY, done.state(), done.toString());
        assertEquals(31, done.filesTotal());
        assertTrue(done.chunks() >= 31, done.toString());
        assertEquals(
                "src/billing/InvoiceCalculator.java",
                indexes.search("acme", "42", "tax total is wrong in the invoice calculator", 3)
                        .getFirst()
                        .path());
        assertEquals(List.of(), workspaces.present(), "the workspace is deleted after the update");
        AuditEvent event = audited.getLast();
        assertEquals("index.update", event.action());
        assertEquals("acme", event.tenant());
    }

    @Test
    void anotherTenantSeesNoIndexOfTheSameRepositoryId() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        assertEquals(IndexStatus.State.NONE, indexes.status("globex", "42").state());
        assertThrows(IndexException.class, () -> indexes.search("globex", "42", "invoice", 3));
    }

    /** A fetch that waits for {@code release} before it fetches, and counts down {@code started} first. */
    private Supplier<Workspaces.Workspace> held(CountDownLatch started, CountDownLatch release, boolean fetchFirst) {
        return () -> {
            Workspaces.Workspace fetched = fetchFirst ? source().get() : null;
            started.countDown();
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS), "never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fetched != null ? fetched : source().get();
        };
    }

    private long updates(String repo) {
        return audited.stream()
                .filter(e -> e.action().equals("index.update") && e.target().equals(repo))
                .count();
    }

    @Test
    void requestsWhileOneIsQueuedAreNotQueuedTwice() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Another repository's update holds the one index worker, so repository 7 stays queued.
        indexes.request("acme", "6", held(started, release, false), Actor.user("u"));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        IndexStatus first = indexes.request("acme", "7", source(), Actor.user("u"));
        IndexStatus second = indexes.request("acme", "7", source(), Actor.user("u"));
        assertEquals(IndexStatus.State.QUEUED, first.state());
        assertEquals(first, second, "the queued update is reported, not a new one");
        release.countDown();
        awaitIdle("acme", "6");
        awaitIdle("acme", "7");
        assertEquals(1, updates("7"), "one update of the queued repository ran");
    }

    @Test
    void aRequestWhileAnUpdateRunsIndexesOnceMoreAtTheNewCommit() throws Exception {
        CountDownLatch fetched = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // The running update has fetched the first commit when a push adds a file and asks again.
        indexes.request("acme", "7", held(fetched, release, true), Actor.user("u"));
        assertTrue(fetched.await(30, TimeUnit.SECONDS));
        origin.file("src/shipping/ParcelRouter.java", "class ParcelRouter { void chooseCarrierForParcel() {} }");
        String pushed = origin.commit("push");
        IndexStatus running = indexes.request("acme", "7", source(), Actor.system());
        assertEquals(IndexStatus.State.INDEXING, running.state(), "the running update is reported");
        release.countDown();
        IndexStatus done = awaitIdle("acme", "7");
        assertEquals(IndexStatus.State.READY, done.state(), done.toString());
        assertEquals(Optional.of(pushed), done.commit(), "idle only at the pushed commit");
        assertEquals(2, updates("7"), "the update ran once more after the first");
        assertEquals(
                "src/shipping/ParcelRouter.java",
                indexes.search("acme", "7", "choose carrier for parcel", 1)
                        .getFirst()
                        .path());
    }

    /** A listing of the origin's current main as the GitHub API would give it; counts the files read. */
    private RepoIndexes.Listing listing(AtomicInteger reads) {
        return new RepoIndexes.Listing(
                maxBytes -> {
                    try (GitRepository repository = GitRepository.open(dir.resolve("origin.git"))) {
                        return Optional.of(repository.snapshot(repository.resolve("main"), maxBytes));
                    }
                },
                file -> {
                    reads.incrementAndGet();
                    try (GitRepository repository = GitRepository.open(dir.resolve("origin.git"))) {
                        return repository.text(file);
                    }
                });
    }

    @Test
    void aPushReadThroughTheListingReadsOnlyTheChangedFileAndFetchesNothing() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        origin.file("src/shipping/ParcelRouter.java", "class ParcelRouter { void chooseCarrierForParcel() {} }");
        String pushed = origin.commit("push");
        AtomicInteger fetches = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        Supplier<Workspaces.Workspace> counted = () -> {
            fetches.incrementAndGet();
            return source().get();
        };
        indexes.request("acme", "42", counted, Optional.of(listing(reads)), Actor.system());
        IndexStatus done = awaitIdle("acme", "42");
        assertEquals(Optional.of(pushed), done.commit(), done.toString());
        assertEquals(0, fetches.get(), "nothing fetched");
        assertEquals(1, reads.get(), "only the new file read");
        assertEquals(
                "src/shipping/ParcelRouter.java",
                indexes.search("acme", "42", "choose carrier for parcel", 1)
                        .getFirst()
                        .path());
    }

    @Test
    void aFailingListingAFirstIndexAndManyChangesAllFallBackToTheFetch() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        Supplier<Workspaces.Workspace> counted = () -> {
            fetches.incrementAndGet();
            return source().get();
        };
        // No index yet: the listing is not even asked.
        indexes.request("acme", "42", counted, Optional.of(listing(reads)), Actor.system());
        awaitIdle("acme", "42");
        assertEquals(1, fetches.get());
        // The API fails half-way: nothing committed from it, the fetch does the update.
        origin.file("src/a/Alpha.java", "class Alpha { void first() {} }").commit("a");
        RepoIndexes.Listing broken = new RepoIndexes.Listing(listing(reads).tree(), file -> {
            throw new IllegalStateException("GitHub answered 502");
        });
        indexes.request("acme", "42", counted, Optional.of(broken), Actor.system());
        IndexStatus afterFailure = awaitIdle("acme", "42");
        assertEquals(IndexStatus.State.READY, afterFailure.state(), afterFailure.toString());
        assertEquals(2, fetches.get(), "the fetch took over");
        // More changed files than the listing reads one by one.
        for (int i = 0; i <= RepoIndexes.MAX_LISTED_CHANGES; i++) {
            origin.file("src/many/Many" + i + ".java", "class Many" + i + " {}");
        }
        String many = origin.commit("many");
        indexes.request("acme", "42", counted, Optional.of(listing(reads)), Actor.system());
        assertEquals(Optional.of(many), awaitIdle("acme", "42").commit());
        assertEquals(3, fetches.get(), "too many changes for the listing");
        assertEquals(0, reads.get(), "no file was read one by one");
    }

    @Test
    void aQueuedUpdateStartsFromTheNewestRequest() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        indexes.request("acme", "6", held(started, release, false), Actor.user("u"));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        // Two pushes while repository 42 waits behind another update: the queued update reads the second.
        origin.file("src/first/First.java", "class First {}");
        origin.commit("first push");
        AtomicInteger reads = new AtomicInteger();
        RepoIndexes.Listing stale = new RepoIndexes.Listing(
                maxBytes -> {
                    throw new AssertionError("the older request's listing was used");
                },
                file -> Optional.empty());
        indexes.request("acme", "42", source(), Optional.of(stale), Actor.system());
        origin.file("src/second/Second.java", "class Second {}");
        String second = origin.commit("second push");
        indexes.request("acme", "42", source(), Optional.of(listing(reads)), Actor.system());
        release.countDown();
        assertEquals(Optional.of(second), awaitIdle("acme", "42").commit());
        assertEquals(2, reads.get(), "both pushed files read through the newest listing");
    }

    @Test
    void aDeletedRepositoryIsNotIndexedAgainByARequestFromBeforeTheDeletion() throws Exception {
        CountDownLatch fetched = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        indexes.request("acme", "7", held(fetched, release, true), Actor.user("u"));
        assertTrue(fetched.await(30, TimeUnit.SECONDS));
        indexes.request("acme", "7", source(), Actor.system());
        indexes.forget("acme");
        release.countDown();
        awaitIdle("acme", "7");
        assertEquals(1, updates("7"), "the pending request was dropped with the tenant");
    }

    @Test
    void eachRepositoryGetsItsOwnEmbedderAndAPolicyRefusalFailsTheUpdateWithItsReason() throws Exception {
        List<String> embeddedFor = new CopyOnWriteArrayList<>();
        try (RepoIndexes perRepository = RepoIndexes.perRepository(
                dir.resolve("index-per-repo"),
                true,
                1_000_000,
                (tenant, repo) -> new Embedder("test-embedder", 4, texts -> {
                    if (tenant.equals("acme")) {
                        throw new Embedder.Refused("rule confidential-local refuses to embed the code of " + repo);
                    }
                    embeddedFor.add(tenant + "/" + repo);
                    float[][] vectors = new float[texts.size()][];
                    for (int i = 0; i < vectors.length; i++) {
                        vectors[i] = new float[] {1, texts.get(i).length() % 7 + 1, 0.5f, 0.25f};
                    }
                    return vectors;
                }),
                tenant -> key(tenant),
                audited::add)) {
            perRepository.request("acme", "42", source(), Actor.user("u"));
            IndexStatus refused = perRepository.await("acme", "42", Duration.ofSeconds(60));
            assertEquals(IndexStatus.State.FAILED, refused.state(), refused.toString());
            assertTrue(refused.error().orElseThrow().contains("rule confidential-local refuses"), refused.toString());
            assertEquals("FAILURE", audited.getLast().outcome().name());

            perRepository.request("globex", "42", source(), Actor.user("u"));
            IndexStatus ready = perRepository.await("globex", "42", Duration.ofSeconds(60));
            assertEquals(IndexStatus.State.READY, ready.state(), ready.toString());
            assertEquals(List.of("globex/42"), embeddedFor.stream().distinct().toList());
            assertEquals(List.of(), workspaces.present());
        }
    }

    @Test
    void aFailedFetchIsReportedAndAudited() throws Exception {
        Supplier<Workspaces.Workspace> missing =
                () -> workspaces.fetch("index-test", dir.resolve("nowhere.git").toUri(), Optional.empty(), "main");
        indexes.request("acme", "9", missing, Actor.user("u"));
        IndexStatus failed = awaitIdle("acme", "9");
        assertEquals(IndexStatus.State.FAILED, failed.state());
        assertTrue(failed.error().orElseThrow().contains("nowhere.git"), failed.toString());
        assertEquals("index.update", audited.getLast().action());
        assertEquals(List.of(), workspaces.present());
    }

    @Test
    void aOneFileChangeUpdatesOnlyThatFileFromADepthOneWorkspace() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        origin.file("src/pkg/Module3.java", "class Module3 { void refundLedgerEntries() {} }");
        origin.commit("second");
        indexes.request("acme", "42", source(), Actor.user("u"));
        IndexStatus updated = awaitIdle("acme", "42");
        assertEquals(IndexStatus.State.READY, updated.state(), updated.toString());
        assertEquals(1, updated.filesDone(), "only the changed file is re-indexed: " + updated);
        assertEquals(
                "src/pkg/Module3.java",
                indexes.search("acme", "42", "refund ledger entries", 1)
                        .getFirst()
                        .path());
    }

    @Test
    void searchesSeeEachUpdateAndNothingAfterADeletion() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        assertEquals(
                "src/billing/InvoiceCalculator.java",
                indexes.search("acme", "42", "compute tax total", 1).getFirst().path());
        // Two incremental updates replace the kept reader; after the deletion a rebuild does.
        origin.file("src/pkg/Module7.java", "class Module7 { void reconcileSettlementBatch() {} }");
        origin.commit("second");
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        assertEquals(
                "src/pkg/Module7.java",
                indexes.search("acme", "42", "reconcile settlement batch", 1)
                        .getFirst()
                        .path());
        origin.file("src/pkg/Module7.java", "class Module7 { void archiveDormantAccounts() {} }");
        origin.commit("third");
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        assertEquals(
                "src/pkg/Module7.java",
                indexes.search("acme", "42", "archive dormant accounts", 1)
                        .getFirst()
                        .path());
        assertTrue(indexes.search("acme", "42", "reconcile settlement batch", 5).stream()
                .noneMatch(f -> f.path().equals("src/pkg/Module7.java")));
        assertTrue(indexes.delete("acme", "42", Actor.user("u")));
        assertThrows(IndexException.class, () -> indexes.search("acme", "42", "archive dormant accounts", 1));
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        assertEquals(
                "src/pkg/Module7.java",
                indexes.search("acme", "42", "archive dormant accounts", 1)
                        .getFirst()
                        .path());
    }

    @Test
    void readsTheTenantKeyOnceUntilTheTenantIsForgotten() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        try (RepoIndexes counted = new RepoIndexes(
                dir.resolve("index"),
                true,
                1_000_000,
                null,
                tenant -> {
                    reads.incrementAndGet();
                    return key(tenant);
                },
                audited::add)) {
            counted.request("acme", "42", source(), Actor.user("u"));
            assertEquals(
                    IndexStatus.State.READY,
                    counted.await("acme", "42", Duration.ofSeconds(60)).state());
            for (int i = 0; i < 5; i++) {
                assertEquals(
                        "src/billing/InvoiceCalculator.java",
                        counted.search("acme", "42", "compute tax total", 1)
                                .getFirst()
                                .path());
            }
            assertEquals(1, reads.get());
            counted.forget("acme");
            assertEquals(
                    "src/billing/InvoiceCalculator.java",
                    counted.search("acme", "42", "compute tax total", 1)
                            .getFirst()
                            .path());
            assertEquals(2, reads.get());
        }
    }

    @Test
    void theIndexHoldsNoSourceTextAndDeleteRemovesIt() throws Exception {
        indexes.request("acme", "42", source(), Actor.user("u"));
        awaitIdle("acme", "42");
        try (Stream<Path> files = Files.walk(dir.resolve("index"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(!content.contains("computeTaxTotal"), "source text in " + file);
            }
        }
        assertTrue(indexes.delete("acme", "42", Actor.user("u")));
        assertEquals(IndexStatus.State.NONE, indexes.status("acme", "42").state());
        assertTrue(!Files.exists(dir.resolve("index/acme/42")));
    }

    @Test
    void badTenantOrRepositoryIdsAreRefusedBeforeTouchingTheDisk() {
        assertThrows(IndexException.class, () -> indexes.status("acme", "../etc"));
        assertThrows(IndexException.class, () -> indexes.status("../x", "42"));
    }
}
