package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code /api/v1/llm}: the model catalogue, the routing policy (read, versions, save — platform-wide, so the
 * superadmin saves it), the dry run ("what would happen for this repo, task and prompt") and usage by day.
 */
public final class LlmRoutes implements HttpService {
    private static final Set<Role> READERS = Set.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR, Role.AUDITOR);
    private static final Set<Role> OPERATORS = Set.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR);
    private static final int MAX_USAGE_DAYS = 366;

    private final LlmGateway gateway;
    private final Usage usage;
    private final Consumer<AuditEvent> audit;
    private final Vault vault;

    /** @param vault holds the providers' API keys (the appliance's own tenant) */
    public LlmRoutes(LlmGateway gateway, Usage usage, Vault vault, Consumer<AuditEvent> audit) {
        this.gateway = gateway;
        this.usage = usage;
        this.vault = vault;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/llm/models", Access.authenticated(this::models))
                .get("/llm/policy", Access.roles(READERS, this::policy))
                .put("/llm/policy", Access.roles(Set.of(Role.SUPERADMIN), this::save))
                .get("/llm/policy/versions", Access.roles(READERS, this::versions))
                .post("/llm/dry-run", Access.roles(OPERATORS, this::dryRun))
                .get("/llm/usage", Access.roles(READERS, this::usage))
                .get("/llm/providers", Access.roles(READERS, this::providers))
                .put("/llm/providers/{name}/key", Access.roles(Set.of(Role.SUPERADMIN), this::storeKey))
                .post("/llm/providers/{name}/test", Access.roles(Set.of(Role.SUPERADMIN, Role.ADMIN), this::test));
    }

    private void providers(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LlmGateway.ProviderStatus p : gateway.providerStatus()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", p.name());
            row.put("enabled", p.enabled());
            row.put("local", p.local());
            row.put("baseUrl", p.baseUrl());
            row.put("keyStored", p.keyStored());
            row.put("chatModels", p.chatModels());
            rows.add(row);
        }
        res.send(Map.of("airGapped", gateway.airGapped(), "providers", rows));
    }

    private String providerName(ServerRequest req) {
        String name = req.path().pathParameters().get("name");
        if (!LlmConfig.PROVIDERS.contains(name)) {
            throw ApiException.notFound(
                    "There is no provider " + name + "; the providers are " + LlmConfig.PROVIDERS + ".");
        }
        return name;
    }

    /** Stores a provider's API key in the vault (write-only: the answer and the audit entry carry no value). */
    private void storeKey(ServerRequest req, ServerResponse res) {
        String name = providerName(req);
        Map<?, ?> body = jsonObject(req);
        String key = body.get("apiKey") instanceof String text ? text.strip() : "";
        if (key.isEmpty() || key.length() > 4096 || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw ApiException.badRequest("apiKey must be 1 to 4096 printable characters without spaces.");
        }
        Caller caller = Caller.of(req).orElseThrow();
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        try {
            vault.put(
                    ProviderKeys.APPLIANCE, ProviderKeys.secretName(name), bytes, Actor.of(caller), RequestIds.of(req));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    private void test(ServerRequest req, ServerResponse res) {
        String name = providerName(req);
        Caller caller = Caller.of(req).orElseThrow();
        LlmGateway.ProviderTest test = gateway.testProvider(name);
        AuditEvent.Builder event = AuditEvent.of("llm.provider.test", name)
                .tenant(caller.tenant())
                .actor(Actor.of(caller))
                .requestId(RequestIds.of(req))
                .field("model", test.model())
                .field("millis", test.millis());
        audit.accept(
                test.ok()
                        ? event.success()
                        : event.field("problem", test.detail()).failure());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", test.provider());
        body.put("model", test.model());
        body.put("ok", test.ok());
        body.put("millis", test.millis());
        body.put("detail", test.detail());
        res.send(body);
    }

    private void models(ServerRequest req, ServerResponse res) {
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelSpec m : gateway.catalogue().all()) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("id", m.id());
            model.put("provider", m.provider());
            model.put("model", m.model());
            model.put("local", m.local());
            model.put("tools", m.tools());
            model.put("streaming", m.streaming());
            model.put("embeddings", m.embeddings());
            model.put("contextWindow", m.contextWindow());
            model.put("inputUsdPerMillion", m.inputUsdPerMillion());
            model.put("outputUsdPerMillion", m.outputUsdPerMillion());
            models.add(model);
        }
        res.send(Map.of("airGapped", gateway.airGapped(), "models", models));
    }

    private void policy(ServerRequest req, ServerResponse res) {
        Policies policies = gateway.policies();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", policies.activeVersion());
        body.put("document", policies.active().source());
        policies.problem().ifPresent(problem -> body.put("problem", problem));
        res.send(body);
    }

    private void versions(ServerRequest req, ServerResponse res) {
        res.send(Map.of(
                "active",
                gateway.policies().activeVersion(),
                "versions",
                gateway.policies().versions().stream()
                        .map(v -> Map.of(
                                "version", v.version(),
                                "author", v.author(),
                                "savedAt", v.savedAt().toString()))
                        .toList()));
    }

    private void save(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        String document = req.content().as(String.class);
        AuditEvent.Builder event = AuditEvent.of("llm.policy.update", "routing-policy")
                .tenant(AuditEvent.PLATFORM)
                .actor(actor(caller))
                .requestId(RequestIds.of(req));
        Policies.Version version;
        try {
            version = gateway.policies().save(document, caller.subject());
        } catch (RoutingPolicy.PolicyException e) {
            audit.accept(event.field("errors", e.errors().size()).failure());
            throw ApiException.badRequest(
                    "The policy is invalid; the active version stays in force. " + String.join("; ", e.errors()));
        }
        audit.accept(event.field("version", version.version())
                .field("rules", gateway.policies().active().size())
                .success());
        res.send(Map.of(
                "version", version.version(), "savedAt", version.savedAt().toString()));
    }

    private void dryRun(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        Map<?, ?> body = jsonObject(req);
        String tenant =
                caller.has(Role.SUPERADMIN) ? optionalString(body, "tenant").orElse(caller.tenant()) : caller.tenant();
        String task = optionalString(body, "task").orElse("edit");
        if (!RoutingPolicy.TASKS.contains(task)) {
            throw ApiException.badRequest("The field task must be one of " + RoutingPolicy.TASKS + ".");
        }
        RouteRequest request = new RouteRequest(
                tenant,
                optionalString(body, "repo").orElse(""),
                strings(body, "classifications"),
                task,
                optionalStrings(body, "roles")
                        .orElseGet(() -> caller.roles().stream()
                                .map(r -> r.name().toLowerCase(Locale.ROOT))
                                .collect(Collectors.toSet())),
                Map.of(),
                Boolean.TRUE.equals(body.get("tools")),
                Boolean.TRUE.equals(body.get("stream")));
        LlmGateway.DryRun run =
                gateway.dryRun(request, optionalString(body, "prompt").orElse(""));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("policyVersion", gateway.policies().activeVersion());
        answer.put("rule", run.decision().rule());
        answer.put("sensitive", run.sensitive());
        switch (run.decision()) {
            case RoutingDecision.Route route -> {
                answer.put("decision", "route");
                answer.put("models", route.chain().stream().map(ModelSpec::id).toList());
                answer.put("localOnly", route.localOnly());
                answer.put(
                        "redaction",
                        run.sensitive().isEmpty()
                                ? "none"
                                : route.redaction().name().toLowerCase(Locale.ROOT));
                route.maxCostUsd().ifPresent(cap -> answer.put("maxCostUsd", cap));
            }
            case RoutingDecision.Deny deny -> {
                answer.put("decision", "deny");
                answer.put("reason", deny.reason());
            }
        }
        res.send(answer);
    }

    private void usage(ServerRequest req, ServerResponse res) {
        Caller caller = Caller.of(req).orElseThrow();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate to = date(req, "to").orElse(today);
        LocalDate from = date(req, "from").orElse(to.minusDays(29));
        if (from.isAfter(to) || from.plusDays(MAX_USAGE_DAYS).isBefore(to)) {
            throw ApiException.badRequest("from must not be after to, and at most " + MAX_USAGE_DAYS + " days apart.");
        }
        String byText = req.query().first("by").orElse("model");
        Usage.By by;
        try {
            by = Usage.By.valueOf(byText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("by must be one of tenant, repo, user, model.");
        }
        String tenant =
                caller.has(Role.SUPERADMIN) ? req.query().first("tenant").orElse(null) : caller.tenant();
        List<Map<String, Object>> points = usage.query(tenant, from, to, by).stream()
                .map(p -> Map.<String, Object>of(
                        "day", p.day().toString(),
                        "key", p.key(),
                        "calls", p.calls(),
                        "inputTokens", p.inputTokens(),
                        "outputTokens", p.outputTokens(),
                        "costUsd", p.costUsd()))
                .toList();
        res.send(Map.of(
                "from",
                from.toString(),
                "to",
                to.toString(),
                "by",
                by.name().toLowerCase(Locale.ROOT),
                "points",
                points));
    }

    private static Optional<LocalDate> date(ServerRequest req, String name) {
        Optional<String> text = req.query().first(name).asOptional();
        try {
            return text.map(LocalDate::parse);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a date such as 2026-01-31.");
        }
    }

    private static Actor actor(Caller caller) {
        return Actor.of(caller);
    }

    private static Map<?, ?> jsonObject(ServerRequest req) {
        try {
            Map<?, ?> body = req.content().as(Map.class);
            if (body == null) {
                throw ApiException.badRequest("The body must be a JSON object.");
            }
            return body;
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw ApiException.badRequest("The body must be a JSON object.");
        }
    }

    private static Optional<String> optionalString(Map<?, ?> body, String name) {
        Object value = body.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String text)) {
            throw ApiException.badRequest("The field " + name + " must be a string.");
        }
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    private static Set<String> strings(Map<?, ?> body, String name) {
        return optionalStrings(body, name).orElse(Set.of());
    }

    private static Optional<Set<String>> optionalStrings(Map<?, ?> body, String name) {
        Object value = body.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw ApiException.badRequest("The field " + name + " must be a list of strings.");
        }
        return Optional.of(list.stream().map(String.class::cast).collect(Collectors.toSet()));
    }
}
