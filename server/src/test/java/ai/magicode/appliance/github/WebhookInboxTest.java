package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.WebhookConfig;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebhookInboxTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    private final List<AuditEvent> audited = new CopyOnWriteArrayList<>();
    private ApplianceStore store;
    private WebhookInbox inbox;

    @AfterEach
    void close() {
        if (inbox != null) {
            inbox.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private WebhookInbox open(WebhookConfig config) {
        store = ApplianceStore.open(dataDir, List.of());
        inbox = new WebhookInbox(config, store, audited::add);
        return inbox;
    }

    private void reopen(WebhookConfig config) {
        inbox.close();
        store.close();
        open(config);
    }

    private static WebhookConfig config(int attempts) {
        return new WebhookConfig(
                Optional.empty(),
                1 << 20,
                4,
                attempts,
                Duration.ofMillis(10),
                Duration.ofMillis(40),
                Duration.ZERO,
                Duration.ofDays(1),
                Duration.ofDays(7));
    }

    static byte[] issue(long repo, long number) {
        return ("{\"action\":\"opened\",\"issue\":{\"number\":" + number + "},\"repository\":{\"id\":" + repo
                        + ",\"full_name\":\"o/r" + repo
                        + "\"},\"installation\":{\"id\":7},\"sender\":{\"login\":\"u\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void storesProcessesAndCountsEachDeliveryOnce() throws Exception {
        open(config(3));
        List<String> handled = new CopyOnWriteArrayList<>();
        inbox.on("issues", (event, guid, effects) -> handled.add(guid));
        inbox.start();
        assertEquals(WebhookInbox.Receipt.ACCEPTED, inbox.receive("issues", "g1", issue(1, 1), "r1"));
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g1", issue(1, 1), "r2"));
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g1", issue(1, 1), "r3"));
        assertEquals(List.of("g1"), handled);
        assertEquals(0, inbox.find("g1").orElseThrow().body().length, "a processed delivery drops its body");
        Installations.Repository repo = inbox.installations().repositories().getFirst();
        assertEquals("o/r1", repo.fullName());
        assertEquals(1, repo.deliveriesProcessed());
        assertEquals(
                1,
                audited.stream()
                        .filter(e -> e.action().equals("github.webhook.accept"))
                        .count());
        assertFalse(audited.toString().contains("\"number\""), "the body is never audited");
    }

    @Test
    void ignoresUnknownEventTypesWithoutStoringThem() {
        open(config(3));
        assertEquals(WebhookInbox.Receipt.IGNORED, inbox.receive("star", "g1", issue(1, 1), "r"));
        assertTrue(inbox.find("g1").isEmpty());
    }

    @Test
    void keepsMalformedBodiesInTheDeadLetterList() {
        open(config(3));
        assertEquals(
                WebhookInbox.Receipt.MALFORMED,
                inbox.receive("issues", "g1", "{not json".getBytes(StandardCharsets.UTF_8), "r"));
        assertEquals(List.of("g1"), inbox.dead().stream().map(Delivery::guid).toList());
        assertTrue(audited.stream().anyMatch(e -> e.action().equals("github.webhook.dead")));
    }

    @Test
    void processesEachRepositoryInArrivalOrderAndRepositoriesInParallel() throws Exception {
        open(config(3));
        Map<Long, List<Long>> seen = new ConcurrentHashMap<>();
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        inbox.on("issues", (event, guid, effects) -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            GitHubEvent.Issues issue = (GitHubEvent.Issues) event;
            seen.computeIfAbsent(
                            issue.context().repository().orElseThrow().id(),
                            r -> Collections.synchronizedList(new ArrayList<>()))
                    .add(issue.number());
            Thread.onSpinWait();
            concurrent.decrementAndGet();
        });
        inbox.start();
        int repos = 4;
        int perRepo = 50;
        ExecutorService senders = Executors.newFixedThreadPool(repos);
        List<Future<?>> sent = new ArrayList<>();
        for (long repo = 1; repo <= repos; repo++) {
            long r = repo;
            // One sender per repository: GitHub sends a repository's deliveries in order.
            sent.add(senders.submit(() -> {
                for (long n = 1; n <= perRepo; n++) {
                    inbox.receive("issues", "g-" + r + "-" + n, issue(r, n), "r");
                }
            }));
        }
        for (Future<?> future : sent) {
            future.get();
        }
        senders.shutdown();
        await(() -> inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        List<Long> expected = new ArrayList<>();
        for (long n = 1; n <= perRepo; n++) {
            expected.add(n);
        }
        for (long repo = 1; repo <= repos; repo++) {
            assertEquals(expected, seen.get(repo), "order of repository " + repo);
        }
        assertTrue(inbox.commits() < repos * perRepo * 2L, "some commits were grouped: " + inbox.commits());
    }

    @Test
    void retriesWithBackoffThenParksAsDeadAndReplays() throws Exception {
        open(config(3));
        AtomicInteger tries = new AtomicInteger();
        List<Long> order = new CopyOnWriteArrayList<>();
        AtomicInteger failUntil = new AtomicInteger(Integer.MAX_VALUE);
        inbox.on("issues", (event, guid, effects) -> {
            GitHubEvent.Issues issue = (GitHubEvent.Issues) event;
            if (issue.number() == 1 && tries.incrementAndGet() < failUntil.get()) {
                throw new IllegalStateException("handler failed with secret-looking text");
            }
            order.add(issue.number());
        });
        inbox.start();
        inbox.receive("issues", "g1", issue(1, 1), "r");
        inbox.receive("issues", "g2", issue(1, 2), "r");
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.DEAD);
        Delivery dead = inbox.find("g1").orElseThrow();
        assertEquals(3, dead.attempts());
        assertEquals("IllegalStateException", dead.problem(), "only the type is kept, never the message");
        await(() -> inbox.find("g2").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(List.of(2L), order, "the next delivery of the repository waited for the failing one");
        failUntil.set(0);
        assertTrue(inbox.replay("g1", Actor.user("admin"), "r").isPresent());
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(List.of(2L, 1L), order);
        assertTrue(inbox.replay("g1", Actor.user("admin"), "r").isEmpty(), "only dead deliveries replay");
        assertTrue(audited.stream().anyMatch(e -> e.action().equals("github.webhook.replay")));
    }

    @Test
    void processesAcknowledgedDeliveriesAfterARestartAndNeverTwice() throws Exception {
        open(config(3));
        // Not started: accepted, durable, not processed (as when the process dies right after the 2xx).
        for (int n = 1; n <= 20; n++) {
            inbox.receive("issues", "g" + n, issue(n % 3, n), "r");
        }
        reopen(config(3));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        inbox.start();
        await(() -> handled.size() == 20
                && inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        reopen(config(3));
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        inbox.start();
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g5", issue(2, 5), "r"));
        assertTrue(handled.values().stream().allMatch(count -> count == 1), handled.toString());
        long processed = inbox.installations().repositories().stream()
                .mapToLong(Installations.Repository::deliveriesProcessed)
                .sum();
        assertEquals(20, processed);
    }

    @Test
    void readsPagesOfAnEarlierLayoutAndAddsSmallerPagesAfterThem() throws Exception {
        // A store written with pages of 1024 deliveries: one full page and one partly filled, all pending.
        store = ApplianceStore.open(dataDir, List.of());
        DeliveryJournal.Pages pages =
                store.section(DeliveryJournal.SECTION, DeliveryJournal.Pages.class, DeliveryJournal.Pages::new);
        int earlier = 1024 + 10;
        Instant then = Instant.parse("2026-01-01T00:00:00Z");
        for (int seq = 0; seq < earlier; seq++) {
            if (seq % 1024 == 0) {
                pages.pages.add(new ArrayList<>());
            }
            pages.pages
                    .getLast()
                    .add(new Delivery(
                            seq,
                            "old" + seq,
                            "issues",
                            "repo:1",
                            "o/r1",
                            7,
                            Delivery.State.PENDING,
                            0,
                            "",
                            then,
                            then,
                            issue(1, seq)));
        }
        store.storeAll(List.of(pages, pages.pages, pages.pages.get(0), pages.pages.get(1)));
        store.close();
        open(config(3));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        for (int n = 0; n < 3 * DeliveryJournal.PAGE; n++) {
            assertEquals(WebhookInbox.Receipt.ACCEPTED, inbox.receive("issues", "new" + n, issue(2, n), "r"));
        }
        inbox.start();
        int total = earlier + 3 * DeliveryJournal.PAGE;
        await(() -> handled.size() == total
                && inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        reopen(config(3));
        List<Delivery> all = inbox.deliveries();
        assertEquals(total, all.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i, all.get(i).seq());
            assertEquals(
                    i < earlier ? "old" + i : "new" + (i - earlier), all.get(i).guid());
            assertEquals(Delivery.State.PROCESSED, all.get(i).state());
        }
        assertTrue(handled.values().stream().allMatch(count -> count == 1), handled.toString());
    }

    @Test
    void commitsHandlerStoreEffectsWithTheProcessedMark() throws Exception {
        open(config(3));
        Map<String, Long> counters = new HashMap<>();
        inbox.on(
                "issues",
                (event, guid, effects) -> effects.store(() -> {
                    counters.merge("issues", 1L, Long::sum);
                    return List.of();
                }));
        inbox.start();
        inbox.receive("issues", "g1", issue(1, 1), "r");
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(Map.of("issues", 1L), counters);
    }

    @Test
    void mirrorsInstallationsAndTheirTenant() throws Exception {
        open(config(3));
        inbox.start();
        inbox.receive(
                "installation",
                "i1",
                ("{\"action\":\"created\",\"installation\":{\"id\":9,\"account\":{\"login\":\"acme\"},\"created_at\":1},"
                                + "\"repositories\":[{\"id\":1,\"full_name\":\"acme/a\"},{\"id\":2,\"full_name\":\"acme/b\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                "r");
        await(() -> inbox.installations().find(9).isPresent());
        assertEquals("", inbox.installations().find(9).orElseThrow().tenant());
        inbox.mapInstallation(9, "acme", Actor.user("root"), "r");
        inbox.receive(
                "installation_repositories",
                "i2",
                ("{\"action\":\"removed\",\"installation\":{\"id\":9},\"repositories_added\":[],"
                                + "\"repositories_removed\":[{\"id\":2,\"full_name\":\"acme/b\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                "r");
        await(() -> inbox.installations().repositories().size() == 1);
        reopen(config(3));
        assertEquals("acme", inbox.installations().tenantOf(9).orElseThrow());
        assertEquals(
                List.of("acme/a"),
                inbox.installations().repositories().stream()
                        .map(Installations.Repository::fullName)
                        .toList());
        assertEquals("acme", inbox.installations().find(9).orElseThrow().account(), "the account survives a mapping");
    }

    @Test
    void aLoggedDeliveryIsFoundAndDeduplicatedBeforeItsFoldAndProcessedOnceAfter() throws Exception {
        open(config(3));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        inbox.start();
        inbox.foldsHeld = true;
        assertEquals(WebhookInbox.Receipt.ACCEPTED, inbox.receive("issues", "g1", issue(1, 1), "r1"));
        Delivery logged = inbox.find("g1").orElseThrow();
        assertEquals(-1, logged.seq(), "in the accept log, not yet in the store");
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g1", issue(1, 1), "r2"));
        assertEquals(
                List.of("g1"), inbox.deliveries().stream().map(Delivery::guid).toList());
        assertEquals(1, segments(dataDir).size(), "one segment holds it");
        inbox.foldsHeld = false;
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g1", issue(1, 1), "r3"));
        assertEquals(Map.of("g1", 1), handled);
        assertEquals(0, inbox.find("g1").orElseThrow().seq());
        await(() -> segments(dataDir).size() == 1); // the folded segment is deleted; only the current one stays
    }

    @Test
    void processesStraightFromTheLogAndStoresTheDeliveryOnceWithoutItsBody() throws Exception {
        open(config(3));
        Map<String, Long> seqWhileHandled = new ConcurrentHashMap<>();
        inbox.on(
                "issues",
                (event, guid, effects) ->
                        seqWhileHandled.put(guid, inbox.find(guid).orElseThrow().seq()));
        inbox.start();
        long commitsBefore = inbox.commits();
        assertEquals(WebhookInbox.Receipt.ACCEPTED, inbox.receive("issues", "g1", issue(1, 1), "r"));
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(Map.of("g1", -1L), seqWhileHandled, "handled while only in the accept log");
        Delivery stored = inbox.find("g1").orElseThrow();
        assertEquals(0, stored.seq());
        assertEquals(0, stored.body().length);
        assertEquals(1, inbox.commits() - commitsBefore, "one commit: the processed mark added it");
        await(() -> segments(dataDir).size() == 1); // the sealed segment is deleted once the delivery is stored
        assertEquals(1, inbox.commits() - commitsBefore, "and no fold after it");
    }

    @Test
    void foldsWhatTheWorkersHaveNotDoneInTimeAsPendingAndProcessesItOnceLater() throws Exception {
        open(config(3));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> {
            try {
                if (!release.await(DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.merge(guid, 1, Integer::sum);
        });
        inbox.start();
        inbox.receive("issues", "g1", issue(1, 1), "r");
        inbox.receive("issues", "g2", issue(1, 2), "r"); // waits behind g1 in its lane
        long rotated = System.nanoTime();
        await(() -> inbox.find("g2").orElseThrow().seq() >= 0);
        assertTrue(
                System.nanoTime() - rotated
                        >= java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(WebhookInbox.FOLD_AFTER_MILLIS),
                "folded only after the workers had their time");
        Delivery folded = inbox.find("g2").orElseThrow();
        assertEquals(Delivery.State.PENDING, folded.state());
        assertTrue(folded.body().length > 0, "a pending delivery keeps its body in the store");
        assertTrue(inbox.find("g1").orElseThrow().seq() < folded.seq(), "folded in the log's order");
        await(() -> segments(dataDir).size() == 1);
        release.countDown();
        await(() -> inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        assertEquals(Map.of("g1", 1, "g2", 1), handled);
        assertEquals(2, inbox.deliveries().size());
        reopen(config(3));
        assertEquals(
                List.of(Delivery.State.PROCESSED, Delivery.State.PROCESSED),
                inbox.deliveries().stream().map(Delivery::state).toList(),
                "nothing is left pending for the next start");
    }

    @Test
    void prunesOldProcessedPagesAndKeepsPendingOnes() throws Exception {
        open(config(3));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        inbox.on("issues", (event, guid, effects) -> {
            if (guid.equals("blocked")) {
                try {
                    release.await(DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        inbox.start();
        inbox.receive("issues", "blocked", issue(1, 1), "r");
        await(() -> inbox.find("blocked").orElseThrow().seq() == 0); // folded as pending: the first page holds it
        int total = 1 + 3 * DeliveryJournal.PAGE;
        for (int n = 1; n < total; n++) {
            inbox.receive("issues", "g" + n, issue(2, n), "r");
        }
        await(() -> inbox.deliveries().size() == total
                && inbox.deliveries().stream()
                        .filter(d -> !d.guid().equals("blocked"))
                        .allMatch(d -> d.state() == Delivery.State.PROCESSED));
        await(() -> segments(dataDir).size() == 1); // every sealed segment is in the store and deleted
        assertEquals(0, inbox.prune(Instant.now()), "nothing is older than the retention yet");

        int removed = inbox.prune(Instant.now().plus(Duration.ofDays(8)));

        // Pages: [blocked, g1..g127] stays (a pending delivery), the next two go, the newest page stays.
        assertEquals(2 * DeliveryJournal.PAGE, removed);
        assertEquals(total - removed, inbox.deliveries().size());
        assertTrue(inbox.find("blocked").isPresent());
        assertTrue(inbox.find("g1").isPresent(), "on the page of the pending delivery");
        assertTrue(inbox.find("g" + DeliveryJournal.PAGE).isEmpty());
        assertTrue(inbox.find("g" + (3 * DeliveryJournal.PAGE - 1)).isEmpty());
        assertTrue(inbox.find("g" + (total - 1)).isPresent(), "on the newest page");
        AuditEvent pruned = audited.stream()
                .filter(e -> e.action().equals("github.webhook.prune"))
                .findFirst()
                .orElseThrow();
        assertTrue(pruned.toString().contains(Integer.toString(removed)), pruned.toString());
        assertEquals(
                WebhookInbox.Receipt.ACCEPTED,
                inbox.receive("issues", "g" + DeliveryJournal.PAGE, issue(2, 1), "r"),
                "a delivery let go of is taken as new");
        release.countDown();
        await(() -> inbox.find("blocked").orElseThrow().state() == Delivery.State.PROCESSED);
        await(() -> inbox.find("g" + DeliveryJournal.PAGE).orElseThrow().state() == Delivery.State.PROCESSED);
        reopen(config(3));
        assertEquals(total - removed + 1, inbox.deliveries().size(), "the removal is durable");
        assertTrue(inbox.find("g" + (DeliveryJournal.PAGE + 1)).isEmpty());
    }

    @Test
    void loggedDeliveriesSurviveACrashBeforeTheirFold() throws Exception {
        open(config(3));
        inbox.foldsHeld = true;
        for (int n = 1; n <= 5; n++) {
            assertEquals(WebhookInbox.Receipt.ACCEPTED, inbox.receive("issues", "g" + n, issue(n % 2, n), "r"));
        }
        // What the disk holds right after the five 202s: a store without them and a log with them.
        Path crashed = dataDir.resolve("crashed");
        Files.createDirectories(crashed.resolve(AcceptLog.DIR));
        for (Path segment : segments(dataDir)) {
            Files.copy(segment, crashed.resolve(AcceptLog.DIR).resolve(segment.getFileName()));
        }
        close();
        audited.clear();
        store = ApplianceStore.open(crashed, List.of());
        inbox = new WebhookInbox(config(3), store, audited::add);
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        assertEquals(5, inbox.deliveries().size(), "folded at start-up, before start()");
        assertTrue(segments(crashed).size() <= 1, "the recovered segments are deleted: " + segments(crashed));
        inbox.start();
        await(() -> handled.size() == 5
                && inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        assertTrue(handled.values().stream().allMatch(count -> count == 1), handled.toString());
        assertTrue(audited.stream().anyMatch(e -> e.action().equals("github.webhook.accept")));
    }

    @Test
    void aCrashBetweenFoldAndSegmentDeletionFoldsNothingTwice() throws Exception {
        open(config(3));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        inbox.start();
        inbox.foldsHeld = true;
        for (int n = 1; n <= 3; n++) {
            inbox.receive("issues", "g" + n, issue(1, n), "r");
        }
        Path aside = Files.createTempDirectory(dataDir, "aside");
        for (Path segment : segments(dataDir)) {
            Files.copy(segment, aside.resolve(segment.getFileName()));
        }
        inbox.foldsHeld = false;
        await(() -> handled.size() == 3
                && inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        inbox.close();
        store.close();
        // The segment comes back as if the process died after the fold's commit, before the deletion; a later
        // segment holds a delivery the store has not seen, and one already processed (GitHub sent it again).
        try (var copies = Files.list(aside)) {
            for (Path copy : copies.toList()) {
                Files.copy(copy, dataDir.resolve(AcceptLog.DIR).resolve(copy.getFileName()));
            }
        }
        AcceptLog later = new AcceptLog(dataDir.resolve(AcceptLog.DIR), 1 << 20);
        later.recover();
        later.start();
        later.append(AcceptLogTest.delivery("g2", "{}")).join();
        later.append(new Delivery(
                        -1,
                        "g4",
                        "issues",
                        "repo:1",
                        "o/r1",
                        7,
                        Delivery.State.PENDING,
                        0,
                        "",
                        Instant.now(),
                        Instant.now(),
                        issue(1, 4)))
                .join();
        later.stop();
        audited.clear();
        open(config(3));
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        assertEquals(
                List.of("g1", "g2", "g3", "g4"),
                inbox.deliveries().stream().map(Delivery::guid).toList());
        // The crash may have come before the fold's audit entry was synced: stored deliveries of a leftover segment
        // are audited again, so that each acceptance is audited at least once.
        String accepted = audited.stream()
                .filter(e -> e.action().equals("github.webhook.accept"))
                .map(Object::toString)
                .collect(java.util.stream.Collectors.joining("\n"));
        for (String guid : List.of("g1", "g2", "g3", "g4")) {
            assertTrue(accepted.contains(guid), guid + " in " + accepted);
        }
        inbox.start();
        await(() -> handled.size() == 4
                && inbox.deliveries().stream().allMatch(d -> d.state() == Delivery.State.PROCESSED));
        assertEquals(Map.of("g1", 1, "g2", 1, "g3", 1, "g4", 1), handled);
        assertEquals(WebhookInbox.Receipt.DUPLICATE, inbox.receive("issues", "g1", issue(1, 1), "r"));
        assertEquals(4, inbox.deliveries().size());
    }

    @Test
    void aFullDiskRefusesTheDeliveryAndAcknowledgesNothing() throws Exception {
        store = ApplianceStore.open(dataDir, List.of());
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean(true);
        inbox = new WebhookInbox(
                config(3),
                store,
                audited::add,
                event -> {
                    audited.add(event);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                },
                file -> new AcceptLogTest.FillingDisk(AcceptLog.openFile(file), full, false));
        Map<String, Integer> handled = new ConcurrentHashMap<>();
        inbox.on("issues", (event, guid, effects) -> handled.merge(guid, 1, Integer::sum));
        inbox.start();
        WebhookException refused = org.junit.jupiter.api.Assertions.assertThrows(
                WebhookException.class, () -> inbox.receive("issues", "g1", issue(1, 1), "r"));
        assertTrue(refused.getMessage().contains("could not log"), refused.getMessage());
        assertTrue(inbox.find("g1").isEmpty());
        assertTrue(inbox.deliveries().isEmpty());
        assertTrue(audited.stream().noneMatch(e -> e.action().equals("github.webhook.accept")));
        full.set(false);
        assertEquals(
                WebhookInbox.Receipt.ACCEPTED,
                inbox.receive("issues", "g1", issue(1, 1), "r"),
                "GitHub's redelivery is accepted, not taken for a duplicate");
        await(() -> inbox.find("g1").orElseThrow().state() == Delivery.State.PROCESSED);
        assertEquals(Map.of("g1", 1), handled);
    }

    private static List<Path> segments(Path dataDir) {
        try (var list = Files.list(dataDir.resolve(AcceptLog.DIR))) {
            return list.sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void backoffDoublesUpToItsMaximum() {
        open(new WebhookConfig(
                Optional.empty(),
                1 << 20,
                1,
                10,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ZERO,
                Duration.ofDays(1),
                Duration.ofDays(7)));
        assertEquals(Duration.ofSeconds(1), inbox.backoff(1));
        assertEquals(Duration.ofSeconds(2), inbox.backoff(2));
        assertEquals(Duration.ofSeconds(4), inbox.backoff(3));
        assertEquals(Duration.ofSeconds(5), inbox.backoff(4));
        assertEquals(Duration.ofSeconds(5), inbox.backoff(9));
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + DEADLINE);
            }
            Thread.sleep(5);
        }
    }
}
