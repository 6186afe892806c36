package ai.magicode.appliance.index;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.git.Workspaces.Workspace;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.JsonStrings;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /api/v1/repos} (the tenant's repositories with their index status), {@code /api/v1/repos/{id}/index}
 * (status and progress; re-index), {@code /api/v1/repos/{id}/index/events} (progress as server-sent events) and
 * {@code /api/v1/repos/{id}/search} (hybrid search): always within the caller's tenant, for repositories the
 * tenant's installation holds. {@code PUT /api/v1/repos/{id}/settings} (admins): the repository's classification labels
 * (matched by the routing policy's {@code match.classifications}) and whether the agent may work on it.
 */
public final class IndexRoutes implements HttpService {
    private static final Set<Role> READERS = Set.of(Role.ADMIN, Role.OPERATOR, Role.MEMBER, Role.AUDITOR);
    private static final Set<Role> SEARCHERS = Set.of(Role.ADMIN, Role.OPERATOR, Role.MEMBER);
    private static final Set<Role> INDEXERS = Set.of(Role.ADMIN, Role.OPERATOR);
    private static final int MAX_QUERY_CHARS = 20_000;
    private static final int MAX_TOP = 100;

    /** Finds a tenant's repository and how to fetch it; empty when the tenant has no such repository. */
    @FunctionalInterface
    public interface Repositories {
        /**
         * @return a source that fetches the repository's default branch into a fresh workspace
         */
        Optional<Supplier<Workspace>> find(String tenant, String repo);
    }

    /** Lists a tenant's repositories (the ones {@link Repositories#find} finds), by full name. */
    @FunctionalInterface
    public interface Listing {
        List<Repository> list(String tenant);
    }

    /**
     * A repository of a tenant, as the console lists it.
     *
     * @param id its id in the API ({@code /api/v1/repos/{id}/…})
     * @param fullName {@code owner/name}
     */
    public record Repository(String id, String fullName) {}

    /** How often an open progress stream sends a comment while nothing changes (and finds a closed client). */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** The least time between two progress events of one stream; updates in between are merged. */
    static final Duration MIN_EVENT_INTERVAL = Duration.ofMillis(200);

    private final RepoIndexes indexes;
    private final Repositories repositories;
    private final Listing listing;
    private final RepoSettings settings;

    /** @param settings the repositories' classification labels and agent switch */
    public IndexRoutes(RepoIndexes indexes, Repositories repositories, Listing listing, RepoSettings settings) {
        this.indexes = indexes;
        this.repositories = repositories;
        this.listing = listing;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/repos", Access.roles(READERS, this::list))
                .get("/repos/{id}/index", Access.roles(READERS, this::status))
                .get("/repos/{id}/index/events", Access.roles(READERS, this::events))
                .post("/repos/{id}/index", Access.roles(INDEXERS, this::reindex))
                .get("/repos/{id}/search", Access.roles(SEARCHERS, this::search))
                .put("/repos/{id}/settings", Access.roles(Set.of(Role.ADMIN), this::updateSettings));
    }

    /** Classification labels and the agent switch of one repository; admins of the tenant. */
    private void updateSettings(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        source(caller, repo);
        String fullName = listing.list(caller.tenant()).stream()
                .filter(r -> r.id().equals(repo))
                .map(Repository::fullName)
                .findFirst()
                .orElse(repo);
        Map<?, ?> body;
        try {
            body = req.content().as(Map.class);
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null
                || !(body.get("classifications") instanceof List<?> labels)
                || !(body.get("agentEnabled") instanceof Boolean enabled)) {
            throw ApiException.badRequest(
                    "The body is a JSON object with classifications (a list of labels) and agentEnabled (true or false).");
        }
        RepoSettings.Settings wanted;
        try {
            wanted = new RepoSettings.Settings(
                    labels.stream().map(String::valueOf).toList(), enabled);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("classifications: " + e.getMessage() + ".");
        }
        RepoSettings.Settings saved =
                settings.update(caller.tenant(), repo, fullName, wanted, Actor.of(caller), RequestIds.of(req));
        res.send(settingsJson(saved));
    }

    private static Map<String, Object> settingsJson(RepoSettings.Settings s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("classifications", s.classifications());
        json.put("agentEnabled", s.agentEnabled());
        return json;
    }

    private void status(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        source(caller, repo);
        res.send(indexes.status(caller.tenant(), repo).toJson());
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        List<Map<String, Object>> repos = listing.list(caller.tenant()).stream()
                .map(r -> {
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("id", r.id());
                    json.put("fullName", r.fullName());
                    json.put("index", indexes.status(caller.tenant(), r.id()).toJson());
                    json.put("settings", settingsJson(settings.of(caller.tenant(), r.id())));
                    return json;
                })
                .toList();
        res.send(Map.of("repositories", repos));
    }

    /**
     * The index status as server-sent events ({@code status}, the JSON of {@code GET …/index}): one at once, one
     * per change while an update is queued or running (at most one per {@link #MIN_EVENT_INTERVAL}), a comment
     * every {@link #HEARTBEAT} while nothing changes, and the stream ends after the first status that is not busy.
     * The handler runs on the server's virtual thread, which parks (holding no platform thread) between events;
     * a closed client is noticed at the next event or heartbeat.
     */
    private void events(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        source(caller, repo);
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            IndexStatus status = indexes.status(caller.tenant(), repo);
            sink.emit(event(status));
            long emitted = System.nanoTime();
            while (status.busy()) {
                IndexStatus next = indexes.awaitChange(caller.tenant(), repo, status, HEARTBEAT);
                if (next.equals(status)) {
                    sink.emit(SseEvent.builder().comment("heartbeat").build());
                    continue;
                }
                long early = MIN_EVENT_INTERVAL.toNanos() - (System.nanoTime() - emitted);
                if (early > 0 && next.busy()) {
                    TimeUnit.NANOSECONDS.sleep(early);
                    next = indexes.status(caller.tenant(), repo);
                }
                status = next;
                sink.emit(event(status));
                emitted = System.nanoTime();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException e) {
            // The client went away; nothing to answer.
        }
    }

    private static SseEvent event(IndexStatus status) {
        StringBuilder json = new StringBuilder("{");
        status.toJson().forEach((key, value) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            JsonStrings.quote(json, key).append(':');
            if (value instanceof String text) {
                JsonStrings.quote(json, text);
            } else {
                json.append(value);
            }
        });
        return SseEvent.builder()
                .name("status")
                .data(json.append('}').toString())
                .build();
    }

    private void reindex(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        Supplier<Workspace> source = source(caller, repo);
        IndexStatus status = indexes.request(caller.tenant(), repo, source, Actor.of(caller));
        res.status(Status.ACCEPTED_202);
        res.send(status.toJson());
    }

    private void search(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        source(caller, repo);
        String query = req.query().first("q").orElse("").strip();
        if (query.isEmpty() || query.length() > MAX_QUERY_CHARS) {
            throw ApiException.badRequest("Give the query text as q (1 to " + MAX_QUERY_CHARS + " characters).");
        }
        int top = top(req);
        List<FileScore> files;
        try {
            files = indexes.search(caller.tenant(), repo, query, top);
        } catch (IndexException e) {
            throw ApiException.conflict(
                    "Repository " + repo + " has no index yet: start one with POST /api/v1/repos/" + repo + "/index.");
        }
        res.send(Map.of(
                "files",
                files.stream()
                        .map(f -> Map.of("path", f.path(), "score", Math.round(f.score() * 10000) / 10000.0))
                        .toList()));
    }

    private static int top(ServerRequest req) {
        String value = req.query().first("top").orElse("10");
        try {
            int top = Integer.parseInt(value);
            if (top >= 1 && top <= MAX_TOP) {
                return top;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("top is a whole number from 1 to " + MAX_TOP + ".");
    }

    private Supplier<Workspace> source(Caller caller, String repo) {
        return repositories
                .find(caller.tenant(), repo)
                .orElseThrow(() -> ApiException.notFound("There is no repository " + repo + " in your tenant."));
    }

    private static String repo(ServerRequest req) {
        String repo = req.path().pathParameters().get("id");
        if (!RepoIndexes.REPO_ID.matcher(repo).matches()) {
            throw ApiException.badRequest("A repository id is 1 to 100 letters, digits, '.', '_' or '-'.");
        }
        return repo;
    }

    private static Caller caller(ServerRequest req) {
        return Caller.of(req).orElseThrow(() -> new IllegalStateException("Access let an anonymous caller through"));
    }
}
