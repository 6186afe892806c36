package ai.magicode.appliance.agent;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.github.Installations;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Role;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@code /api/v1/jobs}: start a job for an issue (operator and admin), list jobs (filters {@code state},
 * {@code repo}), read one job with its timeline, and cancel it. Always within the caller's tenant. Each job
 * carries the web addresses of its issue and pull request on the GitHub server (for the console's links).
 */
public final class JobRoutes implements HttpService {
    private static final Set<Role> READERS = Set.of(Role.ADMIN, Role.OPERATOR, Role.MEMBER, Role.AUDITOR);
    private static final Set<Role> OPERATORS = Set.of(Role.ADMIN, Role.OPERATOR);

    private final JobRunner runner;
    private final Jobs jobs;
    private final Installations installations;
    private final Consumer<AuditEvent> audit;
    private final String githubWeb;

    /**
     * @param githubWeb the GitHub server's web root ({@code https://github.com} or {@code https://HOST} for GHES)
     */
    public JobRoutes(JobRunner runner, Installations installations, URI githubWeb, Consumer<AuditEvent> audit) {
        this.runner = runner;
        this.githubWeb = githubWeb.toString().replaceAll("/+$", "");
        this.jobs = runner.jobs();
        this.installations = installations;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jobs", Access.roles(READERS, this::list))
                .post("/jobs", Access.roles(OPERATORS, this::create))
                .get("/jobs/{id}", Access.roles(READERS, this::get))
                .post("/jobs/{id}/cancel", Access.roles(OPERATORS, this::cancel));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Predicate<Job> filter = j -> j.tenant().equals(caller.tenant());
        Optional<String> state = req.query().first("state").asOptional();
        if (state.isPresent()) {
            Job.State wanted = state(state.get());
            filter = filter.and(j -> j.state() == wanted);
        }
        Optional<String> repo = req.query().first("repo").asOptional();
        if (repo.isPresent()) {
            String value = repo.get();
            filter = filter.and(
                    j -> String.valueOf(j.repoId()).equals(value) || j.repo().equalsIgnoreCase(value));
        }
        res.send(Map.of("jobs", jobs.list(filter).stream().map(this::summary).toList()));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Map<?, ?> body = jsonObject(req);
        String repo = String.valueOf(body.get("repo") == null ? "" : body.get("repo"));
        long issue = number(body.get("issue"));
        Installations.Repository repository = installations.repositories().stream()
                .filter(r -> String.valueOf(r.id()).equals(repo) || r.fullName().equalsIgnoreCase(repo))
                .filter(r -> installations
                        .find(r.installationId())
                        .filter(i -> caller.tenant().equals(i.tenant()) && !i.suspended() && !i.removed())
                        .isPresent())
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("There is no repository " + repo + " in your tenant."));
        Jobs.Triggered triggered = jobs.trigger(new Jobs.Request(
                caller.tenant(),
                repository.id(),
                repository.fullName(),
                repository.installationId(),
                issue,
                "",
                "api",
                caller.subject(),
                0));
        audit.accept(AuditEvent.of("agent.job.trigger", repository.fullName() + "#" + issue)
                .tenant(caller.tenant())
                .actor(Actor.of(caller))
                .field("job", triggered.job().id())
                .field("trigger", "api")
                .field("created", triggered.created())
                .success());
        if (triggered.created()) {
            runner.submit(triggered.job().id());
        }
        res.status(triggered.created() ? Status.CREATED_201 : Status.OK_200);
        res.send(detail(triggered.job()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        res.send(detail(job(req)));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        Caller caller = caller(req);
        Job job = job(req);
        if (job.state().terminal()) {
            throw ApiException.conflict("Job " + job.id() + " is " + job.state().label() + " already.");
        }
        res.send(detail(runner.cancel(job.id(), Actor.of(caller), "cancelled through the API by " + caller.subject())));
    }

    private Job job(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        return jobs.find(caller(req).tenant(), id)
                .orElseThrow(() -> ApiException.notFound("There is no job " + id + " in your tenant."));
    }

    Map<String, Object> summary(Job job) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", job.id());
        out.put("repo", job.repo());
        out.put("repoId", job.repoId());
        out.put("issue", job.issue());
        out.put("title", job.title() == null ? "" : job.title());
        out.put("issueUrl", webLink(githubWeb, job.repo(), "issues", job.issue()));
        out.put("trigger", job.trigger());
        out.put("requester", job.requester());
        out.put("state", job.state().label());
        out.put("branch", job.branch());
        out.put("pullRequest", job.pullRequest());
        out.put("pullUrl", webLink(githubWeb, job.repo(), "pull", job.pullRequest()));
        out.put("tokens", job.tokens());
        out.put("costUsd", job.costUsd());
        out.put("error", job.error());
        out.put("createdAt", job.createdAt().toString());
        out.put("updatedAt", job.updatedAt().toString());
        return out;
    }

    Map<String, Object> detail(Job job) {
        Map<String, Object> out = summary(job);
        out.put("commit", job.commit());
        out.put(
                "steps",
                job.steps().stream()
                        .map(s -> {
                            Map<String, Object> step = new LinkedHashMap<>();
                            step.put("name", s.name());
                            step.put("startedAt", s.startedAt().toString());
                            step.put("endedAt", s.endedAt().toString());
                            step.put(
                                    "millis",
                                    s.endedAt().toEpochMilli() - s.startedAt().toEpochMilli());
                            step.put("inputTokens", s.inputTokens());
                            step.put("outputTokens", s.outputTokens());
                            step.put("costUsd", s.costUsd());
                            step.put("model", s.model());
                            step.put("local", s.local());
                            step.put("outcome", s.outcome());
                            step.put("detail", s.detail());
                            return step;
                        })
                        .toList());
        return out;
    }

    /** {@code WEB/owner/name/issues/N} (or {@code pull}); empty when there is no such number yet. */
    static String webLink(String web, String repo, String kind, long number) {
        return number > 0 ? web + "/" + repo + "/" + kind + "/" + number : "";
    }

    private static Job.State state(String text) {
        try {
            return Job.State.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("state is one of "
                    + List.of(Job.State.values()).stream().map(Job.State::label).toList() + ".");
        }
    }

    private static long number(Object value) {
        if (value instanceof Number n && n.longValue() > 0 && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        throw ApiException.badRequest("issue is the issue's number (a positive whole number).");
    }

    private static Map<?, ?> jsonObject(ServerRequest req) {
        try {
            Map<?, ?> body = req.content().as(Map.class);
            if (body == null) {
                throw ApiException.badRequest("The body must be a JSON object with repo and issue.");
            }
            return body;
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object with repo and issue.");
        }
    }

    private static Caller caller(ServerRequest req) {
        return Caller.of(req).orElseThrow(() -> new IllegalStateException("Access let an anonymous caller through"));
    }
}
