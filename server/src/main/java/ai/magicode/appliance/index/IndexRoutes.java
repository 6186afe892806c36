package ai.magicode.appliance.index;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.git.Workspaces.Workspace;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code /api/v1/repos/{id}/index} (status and progress; re-index) and {@code /api/v1/repos/{id}/search}
 * (hybrid search): always within the caller's tenant, for repositories the tenant's installation holds.
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

    private final RepoIndexes indexes;
    private final Repositories repositories;

    public IndexRoutes(RepoIndexes indexes, Repositories repositories) {
        this.indexes = indexes;
        this.repositories = repositories;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/repos/{id}/index", Access.roles(READERS, this::status))
                .post("/repos/{id}/index", Access.roles(INDEXERS, this::reindex))
                .get("/repos/{id}/search", Access.roles(SEARCHERS, this::search));
    }

    private void status(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        String repo = repo(req);
        source(caller, repo);
        res.send(indexes.status(caller.tenant(), repo).toJson());
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
