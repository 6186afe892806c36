package ai.magicode.appliance.index;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.Snapshot;
import ai.magicode.appliance.git.SourceFile;
import ai.magicode.appliance.git.Workspaces.Workspace;
import ai.magicode.appliance.store.TenantData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * The code indexes of the repositories the appliance serves, one per tenant and repository under
 * {@code ROOT/<tenant>/<repository>}: updated in the background (one repository at a time, from a workspace
 * fetched for the update and deleted after it), with status and live progress for the console, and
 * searched by the API and the agent. Terms are hashed with the tenant's key (privacy mode). Each searched index
 * keeps one open reader (and its tenant key) in memory, replaced after each update of the index and dropped when
 * the index is deleted or {@link #forget forgotten}, so that a search neither unseals the key nor opens the index.
 */
public final class RepoIndexes implements AutoCloseable {
    /** What a repository id may look like (GitHub's numeric ids, or {@code owner.name} style names). */
    public static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private static final System.Logger LOG = System.getLogger(RepoIndexes.class.getName());
    private static final Pattern TENANT = Pattern.compile("[a-z0-9-]{1,63}");
    /** Above this many changed files an update fetches the repository rather than reading them one by one. */
    public static final int MAX_LISTED_CHANGES = 100;

    private final Path root;
    private final boolean privacy;
    private final long maxFileBytes;
    private final BiFunction<String, String, Embedder> embedders;
    private final Function<String, byte[]> tenantKey;
    private final Consumer<AuditEvent> audit;
    private final ExecutorService worker;
    private final Map<String, IndexStatus> statuses = new ConcurrentHashMap<>();
    private final Map<String, CodeIndex.Searcher> searchers = new ConcurrentHashMap<>();
    private final Map<String, byte[]> keys = new ConcurrentHashMap<>();
    /**
     * The newest source asked for per repository and not yet taken by an update: a queued update starts from the
     * newest request, and a request while an update runs (which may have read an older commit) runs it once more.
     */
    private final Map<String, Source> pending = new HashMap<>();

    private volatile boolean closed;

    /**
     * @param root where the indexes live ({@code DATA_DIR/index})
     * @param privacy whether terms are stored as keyed hashes only (no source text)
     * @param maxFileBytes files larger than this are skipped and counted
     * @param embedder the embedding model, or null for lexical-only indexes
     * @param tenantKey the tenant's 32-byte term key (from the vault)
     * @param audit receives an entry for every update and deletion
     */
    public RepoIndexes(
            Path root,
            boolean privacy,
            long maxFileBytes,
            Embedder embedder,
            Function<String, byte[]> tenantKey,
            Consumer<AuditEvent> audit) {
        this(
                root,
                privacy,
                maxFileBytes,
                (BiFunction<String, String, Embedder>) (tenant, repo) -> embedder,
                tenantKey,
                audit);
    }

    /**
     * Indexes whose embedding model is chosen per tenant and repository (a provider model called under that
     * tenant's routing policy); {@code embedders} answers null for lexical-only indexes.
     */
    public static RepoIndexes perRepository(
            Path root,
            boolean privacy,
            long maxFileBytes,
            BiFunction<String, String, Embedder> embedders,
            Function<String, byte[]> tenantKey,
            Consumer<AuditEvent> audit) {
        return new RepoIndexes(root, privacy, maxFileBytes, embedders, tenantKey, audit);
    }

    private RepoIndexes(
            Path root,
            boolean privacy,
            long maxFileBytes,
            BiFunction<String, String, Embedder> embedders,
            Function<String, byte[]> tenantKey,
            Consumer<AuditEvent> audit) {
        this.root = root.toAbsolutePath().normalize();
        this.privacy = privacy;
        this.maxFileBytes = maxFileBytes;
        this.embedders = embedders;
        this.tenantKey = tenantKey;
        this.audit = audit;
        this.worker = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("index").daemon().factory());
    }

    /** The repository's index status: live while an update runs, else read from its index on disk. */
    public IndexStatus status(String tenant, String repo) {
        IndexStatus live = statuses.get(key(tenant, repo));
        if (live != null) {
            return live;
        }
        Path dir = dir(tenant, repo);
        if (!Files.isDirectory(dir)) {
            return IndexStatus.none();
        }
        return open(tenant, repo, dir).indexedCommit().map(IndexStatus::ready).orElseGet(IndexStatus::none);
    }

    /**
     * Queues an update of the repository's index to the commit {@code source} fetches. A repository already queued
     * is not queued twice (its update fetches when it starts); one being indexed is indexed once more after the
     * running update, which may have fetched before the commit this request is about (a push during an update).
     *
     * @param source fetches the workspace when the update starts; the update closes (deletes) it
     * @return the status right after queueing
     */
    public IndexStatus request(String tenant, String repo, Supplier<Workspace> source, Actor actor) {
        return request(tenant, repo, source, Optional.empty(), actor);
    }

    /**
     * Reads a new commit of a repository without fetching it: its tree listed with blob ids and sizes, for a size cap
     * (empty when the listing is incomplete), and single files read by blob (the GitHub API's git trees and blobs).
     *
     * @param tree the commit's tree for a file size cap, as {@code GitRepository.snapshot} lists it
     * @param text a file's text, empty for a binary file
     */
    public record Listing(Function<Long, Optional<Snapshot>> tree, Function<SourceFile, Optional<String>> text) {}

    private record Source(Supplier<Workspace> fetch, Optional<Listing> listing) {}

    /**
     * {@link #request(String, String, Supplier, Actor)}, reading the changed files through {@code listing} instead
     * of fetching the repository when the index holds an earlier commit and at most {@value #MAX_LISTED_CHANGES}
     * files changed — a push of a few files reads those files, not the whole repository. Any failure of the
     * listing falls back to the fetch.
     */
    public IndexStatus request(
            String tenant, String repo, Supplier<Workspace> fetch, Optional<Listing> listing, Actor actor) {
        Source source = new Source(fetch, listing);
        String key = key(tenant, repo);
        IndexStatus queued = IndexStatus.queued(Instant.now());
        IndexStatus current;
        synchronized (this) {
            current = statuses.compute(key, (k, status) -> status != null && status.busy() ? status : queued);
            pending.put(key, source);
            notifyAll();
        }
        if (current == queued) {
            start(tenant, repo, actor, queued);
        }
        return current;
    }

    private void start(String tenant, String repo, Actor actor, IndexStatus queued) {
        worker.execute(() -> {
            Source source;
            synchronized (this) {
                source = pending.remove(key(tenant, repo));
                if (source == null) {
                    // Forgotten or deleted while queued: nothing to do, and the status is read from disk again.
                    statuses.remove(key(tenant, repo));
                    notifyAll();
                }
            }
            if (source != null) {
                run(tenant, repo, source, actor, queued.requestedAt().orElseThrow());
            }
        });
    }

    /**
     * Ends an update with {@code status}, unless an update was asked for while it ran: then the repository is
     * queued again at once, so that whoever waits for it never sees it idle at the older commit.
     */
    private void finish(String tenant, String repo, Actor actor, IndexStatus status) {
        String key = key(tenant, repo);
        boolean again;
        IndexStatus queued = IndexStatus.queued(Instant.now());
        synchronized (this) {
            again = !closed && pending.containsKey(key);
            statuses.put(key, again ? queued : status);
            notifyAll();
        }
        if (again) {
            start(tenant, repo, actor, queued);
        }
    }

    private void run(String tenant, String repo, Source source, Actor actor, Instant requested) {
        String key = key(tenant, repo);
        long started = System.nanoTime();
        Instant startedAt = Instant.now();
        set(key, IndexStatus.indexing(requested, startedAt, 0, 0, 0, 0));
        AuditEvent.Builder event =
                AuditEvent.of("index.update", repo).tenant(tenant).actor(actor);
        Consumer<CodeIndex.Progress> progress = done -> {
            double seconds = (System.nanoTime() - started) / 1e9;
            set(
                    key,
                    IndexStatus.indexing(
                            requested,
                            startedAt,
                            done.filesDone(),
                            done.filesTotal(),
                            done.chunks(),
                            seconds > 0 ? done.chunks() / seconds : 0));
        };
        IndexStats stats;
        try {
            CodeIndex index = open(tenant, repo, dir(tenant, repo));
            Optional<IndexStats> listed = source.listing().flatMap(listing -> listed(index, listing, progress, key));
            if (listed.isPresent()) {
                stats = listed.get();
            } else {
                try (Workspace workspace = source.fetch().get()) {
                    stats = index.update(workspace.repository(), workspace.commit(), progress);
                }
            }
        } catch (GitException | IndexException | Embedder.Refused e) {
            fail(tenant, repo, actor, requested, startedAt, event, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.log(WARNING, "Indexing " + tenant + "/" + repo + " failed", e);
            fail(
                    tenant,
                    repo,
                    actor,
                    requested,
                    startedAt,
                    event,
                    "internal error (" + e.getClass().getSimpleName() + ")");
            return;
        }
        // The workspace is closed (deleted) by now, and the update audited before the status says ready: whoever
        // waits for the status finds the entry and no workspace left behind.
        audit.accept(event.field("commit", stats.commit())
                .field("action", stats.action())
                .field("files", stats.filesIndexed())
                .field("chunks", stats.chunksIndexed())
                .field("seconds", Math.round(stats.totalSeconds() * 1000) / 1000.0)
                .success());
        dropSearcher(key);
        finish(tenant, repo, actor, IndexStatus.done(requested, startedAt, Instant.now(), stats));
        LOG.log(INFO, "Indexed " + tenant + "/" + repo + " at " + stats.commit() + ": " + stats.action());
    }

    /**
     * The update read through {@code listing}, or empty when the fetch must do it: no index at a commit yet, an
     * incomplete listing, too many changed files, or any failure of the listing or of reading a file (nothing is
     * committed to the index then).
     */
    private Optional<IndexStats> listed(
            CodeIndex index, Listing listing, Consumer<CodeIndex.Progress> progress, String key) {
        if (index.indexedCommit().isEmpty()) {
            return Optional.empty();
        }
        try {
            return listing.tree()
                    .apply(maxFileBytes)
                    .flatMap(tree -> index.updateChanged(tree, listing.text(), MAX_LISTED_CHANGES, progress));
        } catch (IndexException | Embedder.Refused e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.log(
                    INFO,
                    "Reading the changes of " + key + " through the API failed ("
                            + e.getClass().getSimpleName() + "); fetching the repository instead");
            return Optional.empty();
        }
    }

    private void fail(
            String tenant,
            String repo,
            Actor actor,
            Instant requested,
            Instant startedAt,
            AuditEvent.Builder event,
            String message) {
        audit.accept(event.field("error", message).failure());
        finish(tenant, repo, actor, IndexStatus.failed(requested, startedAt, Instant.now(), message));
    }

    private synchronized void set(String key, IndexStatus status) {
        statuses.put(key, status);
        notifyAll();
    }

    /**
     * Waits until no update of the repository is queued or running, at most {@code timeout} (the agent waits
     * for a fresh index before it localizes).
     *
     * @return the status then, busy when the time ran out
     */
    public IndexStatus await(String tenant, String repo, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            IndexStatus status = status(tenant, repo);
            while (status.busy()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
                status = status(tenant, repo);
            }
            return status;
        }
    }

    /**
     * Waits until the repository's status is no longer {@code seen}, at most {@code timeout} (the progress stream
     * waits here between events; a virtual thread waiting on this monitor holds no platform thread).
     *
     * @return the status then, possibly {@code seen} itself when the time ran out
     */
    public IndexStatus awaitChange(String tenant, String repo, IndexStatus seen, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            IndexStatus status = status(tenant, repo);
            while (status.equals(seen)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
                status = status(tenant, repo);
            }
            return status;
        }
    }

    /**
     * The files of the repository that best match {@code query}, best first (hybrid search).
     *
     * @throws IndexException when the repository has no index yet
     */
    public List<FileScore> search(String tenant, String repo, String query, int top) {
        Path dir = dir(tenant, repo);
        String key = key(tenant, repo);
        for (int attempt = 0; ; attempt++) {
            CodeIndex.Searcher searcher = searchers.get(key);
            if (searcher == null) {
                if (!Files.isDirectory(dir.resolve("lucene"))) {
                    throw new IndexException("Repository " + repo + " is not indexed yet", null);
                }
                searcher = searchers.computeIfAbsent(
                        key, k -> open(tenant, repo, dir).openSearcher());
                if (closed) {
                    dropSearcher(key);
                    throw new IndexException("The code indexes are closed", null);
                }
            }
            try {
                return searcher.search(query, top, embedders.apply(tenant, repo) != null);
            } catch (AlreadyClosedException e) {
                // An update or deletion replaced the reader between the lookup and the search: use the new one.
                if (attempt == 2) {
                    throw new IndexException("Repository " + repo + " changed during the search; try again", e);
                }
            }
        }
    }

    /**
     * Drops what is kept in memory for {@code tenant} (its term key and open readers), as when the tenant or its key
     * is deleted; the next use reads the key again.
     */
    public void forget(String tenant) {
        synchronized (this) {
            pending.keySet().removeIf(repoKey -> repoKey.startsWith(tenant + "/"));
        }
        byte[] key = keys.remove(tenant);
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
        for (String repoKey : List.copyOf(searchers.keySet())) {
            if (repoKey.startsWith(tenant + "/")) {
                dropSearcher(repoKey);
            }
        }
    }

    private void dropSearcher(String key) {
        CodeIndex.Searcher searcher = searchers.remove(key);
        if (searcher != null) {
            searcher.close();
        }
    }

    /** Deletes the repository's index (privacy deletion, or a repository removed from the installation). */
    public boolean delete(String tenant, String repo, Actor actor) {
        Path dir = dir(tenant, repo);
        synchronized (this) {
            pending.remove(key(tenant, repo));
        }
        statuses.remove(key(tenant, repo));
        dropSearcher(key(tenant, repo));
        if (!Files.exists(dir)) {
            return false;
        }
        CodeIndex.deleteIndex(dir);
        audit.accept(
                AuditEvent.of("index.delete", repo).tenant(tenant).actor(actor).success());
        return true;
    }

    /** The repositories of {@code tenant} that have an index on disk, by id. */
    public List<String> repositories(String tenant) {
        Path tenantDir = tenantDir(tenant);
        if (!Files.isDirectory(tenantDir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> list = Files.list(tenantDir)) {
            return list.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(name -> REPO_ID.matcher(name).matches())
                    .sorted()
                    .toList();
        } catch (java.io.IOException e) {
            throw new IndexException("Cannot list the indexes of tenant " + tenant, e);
        }
    }

    /** The index's tenant data: one directory per tenant, one Lucene index per repository in it. */
    public TenantData tenantData() {
        return new TenantData(
                "index.repositories",
                "DATA_DIR/index/<tenant>/<repository id>/ (Lucene: vectors, paths, line ranges, keyed term hashes)",
                "until the repository leaves the installation or the tenant is deleted",
                "find the files an issue is about (code search, localize) without storing source text",
                List.of("dir:index"),
                (tenant, sink) -> sink.add(
                        "index/repositories.json",
                        repositories(tenant).stream()
                                .map(repo -> {
                                    IndexStatus status = status(tenant, repo);
                                    return java.util.Map.<String, Object>of(
                                            "repository", repo,
                                            "state", status.state().name().toLowerCase(java.util.Locale.ROOT),
                                            "commit", status.commit().orElse(""),
                                            "chunks", status.chunks());
                                })
                                .toList()),
                this::erase);
    }

    /** Deletes every index of {@code tenant} and its directory; idempotent. */
    void erase(String tenant) {
        for (String repo : repositories(tenant)) {
            delete(tenant, repo, Actor.system());
        }
        Path tenantDir = tenantDir(tenant);
        try {
            if (Files.isDirectory(tenantDir)) {
                try (java.util.stream.Stream<Path> walk = Files.walk(tenantDir)) {
                    for (Path path :
                            walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IndexException("Cannot delete the indexes of tenant " + tenant, e);
        }
        // The term key is deleted from the vault by its own registration; no copy of it stays in memory.
        forget(tenant);
    }

    private Path tenantDir(String tenant) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new IndexException("Not a tenant: " + tenant, null);
        }
        return root.resolve(tenant);
    }

    private CodeIndex open(String tenant, String repo, Path dir) {
        // CodeIndex.open copies the key, so the cached array is never handed out.
        Optional<byte[]> key = privacy ? Optional.of(keys.computeIfAbsent(tenant, tenantKey)) : Optional.empty();
        return CodeIndex.open(dir, privacy, maxFileBytes, embedders.apply(tenant, repo), key);
    }

    private Path dir(String tenant, String repo) {
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            throw new IndexException("Not a tenant: " + tenant, null);
        }
        if (repo == null || !REPO_ID.matcher(repo).matches()) {
            throw new IndexException("Not a repository id: " + repo, null);
        }
        return root.resolve(tenant).resolve(repo);
    }

    private static String key(String tenant, String repo) {
        return tenant + "/" + repo;
    }

    /** Stops the update in progress (its index stays as it was: updates commit atomically). */
    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List.copyOf(searchers.keySet()).forEach(this::dropSearcher);
        keys.values().forEach(key -> Arrays.fill(key, (byte) 0));
        keys.clear();
    }
}
