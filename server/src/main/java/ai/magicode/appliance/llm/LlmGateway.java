package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.LlmConfig;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way the appliance calls a model. Per call it detects sensitive content, asks the {@link RoutingPolicy} which
 * models may see it, redacts (or blocks) before any external model, tries the chain in order — failing over on
 * errors, timeouts, malformed answers and 429s (waiting out a short {@code retry-after} on the same model first), but
 * only before the first streamed token and never from a local-only decision to an external endpoint — and accounts
 * for every attempt. The policy is enforced here, outside the model: prompt text cannot change it.
 */
public final class LlmGateway implements AutoCloseable {
    /** The longest {@code retry-after} waited out on the same model; a longer one fails over at once. */
    static final Duration MAX_RETRY_WAIT = Duration.ofSeconds(10);

    private final Catalogue catalogue;
    private final Policies policies;
    private final EgressGuard guard;
    private final Providers providers;
    private final Budgets budgets;
    private final RateLimits rateLimits;
    private final Redactor redactor = new Redactor();
    private final Consumer<AuditEvent> audit;
    private final Consumer<Duration> pause;
    private final Map<String, Instant> cooldowns = new ConcurrentHashMap<>();
    private final Usage usage;
    private final java.util.concurrent.ScheduledExecutorService flusher;
    private final Map<String, LlmConfig.Provider> providerConfig;
    private final Function<String, Optional<String>> apiKeys;

    /**
     * @param apiKeys a provider's API key by provider name (from the vault)
     * @param audit receives routing decisions, refusals and (through {@link Accounting}) every attempt
     * @param pause waits out a {@code retry-after} (tests record instead of waiting)
     */
    public LlmGateway(
            LlmConfig config,
            Catalogue catalogue,
            Policies policies,
            Usage usage,
            Budgets budgets,
            Function<String, Optional<String>> apiKeys,
            Consumer<AuditEvent> audit,
            Consumer<Duration> pause) {
        this.catalogue = catalogue;
        this.policies = policies;
        this.audit = audit;
        this.pause = pause;
        this.budgets = budgets;
        this.usage = usage;
        this.flusher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "llm-accounting-flush");
            thread.setDaemon(true);
            return thread;
        });
        flusher.scheduleWithFixedDelay(this::flush, 1, 1, TimeUnit.SECONDS);
        Map<String, RateLimits.Limit> limits = new java.util.HashMap<>();
        config.providers()
                .forEach((name, p) ->
                        limits.put(name, new RateLimits.Limit(p.requestsPerMinute(), p.tokensPerMinute())));
        this.rateLimits = new RateLimits(limits, System::nanoTime);
        this.guard = new EgressGuard(config.airGapped(), config.localHosts(), audit);
        this.providers = new Providers(config.providers(), guard, apiKeys, List.of(new Accounting(audit, usage)));
        this.providerConfig = config.providers();
        this.apiKeys = apiKeys;
    }

    /**
     * One provider block as the console shows it: never the key, only whether the vault holds one.
     *
     * @param chatModels the catalogue's chat models of this provider
     */
    public record ProviderStatus(
            String name, boolean enabled, boolean local, String baseUrl, boolean keyStored, List<String> chatModels) {}

    /** The result of a connection test: the model asked, whether it answered, how long it took, and why not. */
    public record ProviderTest(String provider, String model, boolean ok, long millis, String detail) {}

    /** The provider blocks of the configuration, in the order the configuration names them. */
    public List<ProviderStatus> providerStatus() {
        List<ProviderStatus> out = new ArrayList<>();
        for (String name : LlmConfig.PROVIDERS) {
            LlmConfig.Provider p = providerConfig.get(name);
            if (p == null) {
                continue;
            }
            out.add(new ProviderStatus(
                    name,
                    p.enabled(),
                    p.local(),
                    p.baseUrl().toString(),
                    apiKeys.apply(name).isPresent(),
                    chatModels(name).stream().map(ModelSpec::id).toList()));
        }
        return out;
    }

    private List<ModelSpec> chatModels(String provider) {
        return catalogue.all().stream()
                .filter(m -> m.provider().equals(provider) && !m.embeddings())
                .toList();
    }

    /**
     * Tests a provider: one short chat to its first chat model in the catalogue, with the egress guard in force
     * (air-gapped mode refuses an external provider) and outside the routing policy, no retry, no accounting. The
     * answer's text is not kept; a failure's detail names the kind of error, never a key.
     */
    public ProviderTest testProvider(String provider) {
        LlmConfig.Provider p = providerConfig.get(provider);
        if (p == null) {
            throw new LlmException(LlmException.Kind.INVALID, "There is no provider " + provider);
        }
        if (!p.enabled()) {
            return new ProviderTest(
                    provider,
                    "",
                    false,
                    0,
                    "The provider is not enabled (llm." + provider + ".enabled in the configuration).");
        }
        List<ModelSpec> models = chatModels(provider);
        if (models.isEmpty()) {
            return new ProviderTest(provider, "", false, 0, "The model catalogue has no chat model of this provider.");
        }
        ModelSpec model = models.getFirst();
        long started = System.nanoTime();
        try {
            providers.chat(model, airGapped()).chat(UserMessage.from("Reply with the word OK."));
            return new ProviderTest(provider, model.id(), true, (System.nanoTime() - started) / 1_000_000, "");
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (!(cause instanceof LlmException) && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            String detail = cause instanceof LlmException llm
                    ? llm.getMessage()
                    : "The call failed: " + cause.getClass().getSimpleName();
            return new ProviderTest(provider, model.id(), false, (System.nanoTime() - started) / 1_000_000, detail);
        }
    }

    /** Writes usage totals and budget spending to the store. */
    public void flush() {
        usage.flush();
        budgets.flush();
    }

    /** Stops the periodic flush and flushes once more; call before the store closes. */
    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }

    /** The models that can be routed to. */
    public Catalogue catalogue() {
        return catalogue;
    }

    /** The versioned policy. */
    public Policies policies() {
        return policies;
    }

    /** Whether air-gapped mode is on. */
    public boolean airGapped() {
        return guard.airGapped();
    }

    /**
     * What the policy decides for a call with this prompt, without calling anything.
     *
     * @return the decision and what the redactor found, by kind
     */
    public DryRun dryRun(RouteRequest request, String prompt) {
        Map<String, Integer> found = redactor.detect(prompt);
        return new DryRun(policies.active().decide(withFindings(request, found), catalogue, guard.airGapped()), found);
    }

    /**
     * The answer of a dry run.
     *
     * @param decision what would happen
     * @param sensitive what the redactor found in the prompt, by kind
     */
    public record DryRun(RoutingDecision decision, Map<String, Integer> sensitive) {}

    /**
     * Routes and makes one call.
     *
     * @return the answer, or a refusal (policy, redaction block, cost cap)
     * @throws LlmException of kind {@link LlmException.Kind#ALL_FAILED} when every model of the decision failed (the
     *     failures are its suppressed exceptions), or the one failure of a stream that broke after its first token
     */
    public ChatResult chat(ChatRequest request) {
        Routing routing = route(
                new RouteRequest(
                        request.tenant(),
                        request.repo(),
                        request.classifications(),
                        request.task(),
                        request.roles(),
                        Map.of(),
                        !request.tools().isEmpty(),
                        request.stream()),
                request.messages().stream().map(ChatRequest.Message::text).toList(),
                "the prompt");
        return switch (routing) {
            case Routing.Refused refused -> refuse(request, refused.rule(), refused.reason(), refused.found());
            case Routing.Routed routed -> chat(request, routed);
        };
    }

    /** Tries the routed chain in order until a model answers. */
    private ChatResult chat(ChatRequest request, Routing.Routed routed) {
        RoutingDecision.Route chosen = routed.chosen();
        long estimatedInput =
                request.messages().stream().mapToLong(m -> m.text().length()).sum() / 4;
        Misses misses = new Misses();
        int attempts = 0;
        for (ModelSpec model : routed.chain()) {
            Optional<Admission.Admitted> admission =
                    misses.admitted(admit(model, routed, request, estimatedInput, request.maxOutputTokens()));
            if (admission.isEmpty()) {
                continue;
            }
            Admission.Admitted admitted = admission.get();
            Budgets.Reservation reservation = admitted.reservation();
            boolean external = !model.local();
            Map<String, Integer> redactions = external ? routed.found() : Map.of();
            List<ChatMessage> messages = messages(request, external ? routed.redacted() : null);
            Accounting.Attempt attempt =
                    new Accounting.Attempt(request, model, chosen.rule(), routed.policyVersion(), redactions);
            for (int tryNo = 0; tryNo < 2; tryNo++) {
                attempts++;
                AtomicBoolean firstToken = new AtomicBoolean();
                try {
                    ChatResponse response = ScopedValue.where(Accounting.ATTEMPT, attempt)
                            .call(() -> call(model, chosen.localOnly(), request, messages, firstToken));
                    ChatResult.Answered answer = answered(response, model, chosen.rule(), redactions, attempts);
                    budgets.settle(reservation, answer.inputTokens() + answer.outputTokens(), answer.costUsd());
                    rateLimits.settle(model.provider(), admitted.slot(), answer.inputTokens() + answer.outputTokens());
                    return answer;
                } catch (RuntimeException e) {
                    LlmException failure = Failures.typed(e, model.id());
                    if (firstToken.get()) {
                        // A broken stream consumed tokens the provider may bill: the estimate stays spent.
                        throw new LlmException(
                                failure.kind(),
                                model.id() + " broke off after streaming had begun (" + failure.kind()
                                        + "); not failing over mid-stream",
                                failure.retryAfter(),
                                failure);
                    }
                    if (tryNo == 1 || !retriable(failure)) {
                        budgets.release(reservation);
                    }
                    misses.failed(failure);
                    Optional<Duration> wait = failure.retryAfter();
                    if (failure.kind() == LlmException.Kind.RATE_LIMITED && tryNo == 0 && wait.isPresent()) {
                        if (wait.get().compareTo(MAX_RETRY_WAIT) <= 0) {
                            pause.accept(wait.get());
                            continue;
                        }
                        cooldowns.put(model.provider(), Instant.now().plus(wait.get()));
                    }
                    break;
                }
            }
        }
        Optional<String> budgetRefusal = misses.budgetRefusal();
        if (budgetRefusal.isPresent()) {
            return refuse(request, chosen.rule(), budgetRefusal.get(), routed.found());
        }
        LlmException all = misses.allFailed("every model of rule " + chosen.rule(), misses.shortestRetryAfter());
        audit.accept(AuditEvent.of("llm.chat", chosen.rule())
                .tenant(request.tenant())
                .actor(request.user().isEmpty() ? Actor.system() : Actor.user(request.user()))
                .requestId(request.requestId())
                .field("task", request.task())
                .field("attempts", attempts)
                .field("errors", misses.kinds())
                .failure());
        throw all;
    }

    /**
     * Routes one batch of texts to an embedding model (task {@code embed}) and embeds them: the policy decides which
     * provider may see the code, exactly as for chat (local-only rules, air-gapped mode, redaction before an external
     * model, rate limits, budgets); failures fall over to the next model of the chain. Audited as {@code llm.embed}
     * and counted in usage.
     *
     * @return the vectors, or a refusal
     * @throws LlmException of kind {@link LlmException.Kind#ALL_FAILED} when every model of the decision failed
     */
    public EmbedResult embed(EmbedRequest request) {
        Routing routing = route(
                new RouteRequest(
                        request.tenant(),
                        request.repo(),
                        request.classifications(),
                        "embed",
                        Set.of(),
                        Map.of(),
                        false,
                        false),
                request.texts(),
                "the texts");
        return switch (routing) {
            case Routing.Refused refused -> refuseEmbedding(request, refused.rule(), refused.reason(), refused.found());
            case Routing.Routed routed -> embed(request, routed);
        };
    }

    /** Tries the routed chain in order until a model embeds the texts. */
    private EmbedResult embed(EmbedRequest request, Routing.Routed routed) {
        RoutingDecision.Route chosen = routed.chosen();
        // Budgets are scoped like a chat of the same tenant and repository.
        ChatRequest scope = ChatRequest.builder(request.tenant(), "embed")
                .repo(request.repo(), request.classifications())
                .prompt("embed " + request.texts().size() + " texts")
                .build();
        long estimatedInput = request.texts().stream().mapToLong(String::length).sum() / 4 + 1;
        Misses misses = new Misses();
        for (ModelSpec model : routed.chain()) {
            Optional<Admission.Admitted> admission = misses.admitted(admit(model, routed, scope, estimatedInput, 0));
            if (admission.isEmpty()) {
                continue;
            }
            Admission.Admitted admitted = admission.get();
            boolean external = !model.local();
            List<String> sent = external ? routed.redacted() : request.texts();
            Map<String, Integer> redactions = external ? routed.found() : Map.of();
            long started = System.nanoTime();
            try {
                Response<List<Embedding>> response = providers
                        .embedding(model, chosen.localOnly())
                        .embedAll(sent.stream().map(TextSegment::from).toList());
                List<float[]> vectors =
                        response.content().stream().map(Embedding::vector).toList();
                if (vectors.size() != sent.size()) {
                    throw new LlmException(
                            LlmException.Kind.MALFORMED,
                            model.id() + " returned " + vectors.size() + " vectors for " + sent.size() + " texts");
                }
                long in = response.tokenUsage() != null && response.tokenUsage().inputTokenCount() != null
                        ? response.tokenUsage().inputTokenCount()
                        : estimatedInput;
                double cost = model.cost(in, 0);
                budgets.settle(admitted.reservation(), in, cost);
                rateLimits.settle(model.provider(), admitted.slot(), in);
                usage.add(LocalDate.now(ZoneOffset.UTC), request.tenant(), request.repo(), "", model.id(), in, 0, cost);
                AuditEvent.Builder event = AuditEvent.of("llm.embed", model.id())
                        .tenant(request.tenant())
                        .actor(Actor.system())
                        .field("provider", model.provider())
                        .field("local", model.local())
                        .field("repo", request.repo())
                        .field("rule", chosen.rule())
                        .field("policyVersion", routed.policyVersion())
                        .field("texts", sent.size())
                        .field("inputTokens", in)
                        .field("costUsd", String.format(java.util.Locale.ROOT, "%.6f", cost))
                        .field("latencyMs", (System.nanoTime() - started) / 1_000_000);
                redactions.forEach((kind, count) -> event.field("redacted." + kind, count));
                audit.accept(event.success());
                return new EmbedResult.Embedded(
                        model.id(), chosen.rule(), model.local(), vectors, in, cost, redactions);
            } catch (RuntimeException e) {
                LlmException failure = Failures.typed(e, model.id());
                budgets.release(admitted.reservation());
                rateLimits.settle(model.provider(), admitted.slot(), 0);
                failure.retryAfter()
                        .ifPresent(wait ->
                                cooldowns.put(model.provider(), Instant.now().plus(wait)));
                misses.failed(failure);
            }
        }
        Optional<String> budgetRefusal = misses.budgetRefusal();
        if (budgetRefusal.isPresent()) {
            return refuseEmbedding(request, chosen.rule(), budgetRefusal.get(), routed.found());
        }
        LlmException all = misses.allFailed("every embedding model of rule " + chosen.rule(), Optional.empty());
        audit.accept(AuditEvent.of("llm.embed", chosen.rule())
                .tenant(request.tenant())
                .actor(Actor.system())
                .field("repo", request.repo())
                .field("errors", misses.kinds())
                .failure());
        throw all;
    }

    private EmbedResult refuseEmbedding(EmbedRequest request, String rule, String reason, Map<String, Integer> found) {
        AuditEvent.Builder event = AuditEvent.of("llm.embed", rule)
                .tenant(request.tenant())
                .actor(Actor.system())
                .field("repo", request.repo());
        denied(event, reason, found);
        return new EmbedResult.Refused(rule, reason);
    }

    /** Audits a refusal: why, and what the redactor found by kind (never the values). */
    private void denied(AuditEvent.Builder event, String reason, Map<String, Integer> found) {
        event.field("reason", reason);
        found.forEach((kind, count) -> event.field("sensitive." + kind, count));
        audit.accept(event.denied());
    }

    /**
     * Whether a model of the chain may take a call of this size now. Admitted, it holds a rate-limit slot and a budget
     * reservation that the caller settles or releases; otherwise it holds nothing.
     */
    private sealed interface Admission {
        /** Not tried: over the rule's cost cap, cooling down after a long {@code retry-after}, or at its rate limit. */
        record Skipped(LlmException failure) implements Admission {}

        /** Not tried: the call would overspend a budget (a cheaper model further down the chain may still fit). */
        record OverBudget(Optional<String> refusal) implements Admission {}

        /** May be called; {@code slot} and {@code reservation} are held for the call. */
        record Admitted(RateLimits.Slot slot, Budgets.Reservation reservation) implements Admission {}
    }

    /**
     * Checks {@code model} against the rule's cost cap, the provider's cool-down and rate limit, and the policy's
     * budgets (scoped by {@code scope}), for a call estimated at {@code inputTokens} in and {@code outputTokens} out.
     */
    private Admission admit(
            ModelSpec model, Routing.Routed routed, ChatRequest scope, long inputTokens, long outputTokens) {
        Optional<Double> cap = routed.chosen().maxCostUsd();
        double estimatedCost = model.cost(inputTokens, outputTokens);
        if (cap.isPresent() && estimatedCost > cap.get()) {
            return new Admission.Skipped(
                    new LlmException(LlmException.Kind.INVALID, model.id() + " would cost more than the rule's cap"));
        }
        Instant coolUntil = cooldowns.get(model.provider());
        if (coolUntil != null && Instant.now().isBefore(coolUntil)) {
            return new Admission.Skipped(new LlmException(
                    LlmException.Kind.RATE_LIMITED,
                    model.provider() + " asked to wait until " + coolUntil,
                    Optional.of(Duration.between(Instant.now(), coolUntil)),
                    null));
        }
        Optional<RateLimits.Slot> slot = rateLimits.admit(model.provider(), inputTokens + outputTokens);
        if (slot.isEmpty()) {
            return new Admission.Skipped(new LlmException(
                    LlmException.Kind.RATE_LIMITED,
                    model.provider() + " is at its configured requests or tokens per minute"));
        }
        Budgets.Outcome held =
                budgets.reserve(routed.policy().budgets(), scope, inputTokens + outputTokens, estimatedCost);
        if (held.reservation().isEmpty()) {
            rateLimits.settle(model.provider(), slot.get(), 0);
            return new Admission.OverBudget(held.refusal());
        }
        return new Admission.Admitted(slot.get(), held.reservation().get());
    }

    /** What the models of a chain that did not answer left behind: their failures, and the last budget refusal. */
    private static final class Misses {
        private final List<LlmException> failures = new ArrayList<>();
        private Optional<String> overBudget = Optional.empty();

        void failed(LlmException failure) {
            failures.add(failure);
        }

        /** The admitted call, or empty after noting why the model is skipped. */
        Optional<Admission.Admitted> admitted(Admission admission) {
            switch (admission) {
                case Admission.Skipped skipped -> failures.add(skipped.failure());
                case Admission.OverBudget over -> overBudget = over.refusal();
                case Admission.Admitted admitted -> {
                    return Optional.of(admitted);
                }
            }
            return Optional.empty();
        }

        /** The budget's refusal, when a budget is all that stopped the chain (no model failed). */
        Optional<String> budgetRefusal() {
            return failures.isEmpty() ? overBudget : Optional.empty();
        }

        /** The exception thrown when every model of a chain failed: their messages joined, the failures suppressed. */
        LlmException allFailed(String models, Optional<Duration> retryAfter) {
            LlmException all = new LlmException(
                    LlmException.Kind.ALL_FAILED,
                    models + " failed: "
                            + String.join(
                                    "; ",
                                    failures.stream().map(Throwable::getMessage).toList()),
                    retryAfter,
                    null);
            failures.forEach(all::addSuppressed);
            return all;
        }

        /** The shortest {@code retry-after} a failure asked for. */
        Optional<Duration> shortestRetryAfter() {
            return failures.stream()
                    .map(LlmException::retryAfter)
                    .flatMap(Optional::stream)
                    .min(Duration::compareTo);
        }

        /** The kinds of the failures, comma-separated, for the audit entry. */
        String kinds() {
            return String.join(",", failures.stream().map(f -> f.kind().name()).toList());
        }
    }

    /**
     * How a call is routed: refused (by the policy, or because a blocking rule met sensitive content and no local
     * model is left), or routed along a chain. Either way it carries what the redactor found in the call's texts.
     */
    private sealed interface Routing {
        Map<String, Integer> found();

        /** Refused by {@code rule} for {@code reason}. */
        record Refused(Map<String, Integer> found, String rule, String reason) implements Routing {}

        /**
         * Routed: the texts redacted for external models, the policy (and its version) that decided, and the chain
         * to try, only local models when the decision is local-only or a blocking rule met sensitive content.
         */
        record Routed(
                Map<String, Integer> found,
                List<String> redacted,
                int policyVersion,
                RoutingPolicy policy,
                RoutingDecision.Route chosen,
                List<ModelSpec> chain)
                implements Routing {}
    }

    private Routing route(RouteRequest request, List<String> texts, String what) {
        Map<String, Integer> found = new TreeMap<>();
        List<String> redacted = new ArrayList<>(texts.size());
        for (String text : texts) {
            Redactor.Redaction redaction = redactor.redact(text);
            redaction.counts().forEach((kind, n) -> found.merge(kind, n, Integer::sum));
            redacted.add(redaction.text());
        }
        int policyVersion = policies.activeVersion();
        RoutingPolicy policy = policies.active();
        RoutingDecision decision = policy.decide(withFindings(request, found), catalogue, guard.airGapped());
        if (decision instanceof RoutingDecision.Deny deny) {
            return new Routing.Refused(found, deny.rule(), deny.reason());
        }
        RoutingDecision.Route chosen = (RoutingDecision.Route) decision;
        List<ModelSpec> chain = chosen.chain();
        if (chosen.localOnly()) {
            // The policy never builds such a chain; this line is the guarantee, not the mechanism.
            chain = chain.stream().filter(ModelSpec::local).toList();
        }
        if (!found.isEmpty() && chosen.redaction() == RoutingPolicy.RedactionMode.BLOCK) {
            chain = chain.stream().filter(ModelSpec::local).toList();
            if (chain.isEmpty()) {
                return new Routing.Refused(
                        found,
                        chosen.rule(),
                        what + " holds sensitive content " + found.keySet() + " and rule " + chosen.rule()
                                + " blocks it from external models");
            }
        }
        return new Routing.Routed(found, redacted, policyVersion, policy, chosen, chain);
    }

    /** {@code request} with what the redactor found. */
    private static RouteRequest withFindings(RouteRequest request, Map<String, Integer> found) {
        return new RouteRequest(
                request.tenant(),
                request.repo(),
                request.classifications(),
                request.task(),
                request.roles(),
                found,
                request.tools(),
                request.stream());
    }

    /** Whether the same model gets a second try (a short {@code retry-after}); its reservation is kept for it. */
    private static boolean retriable(LlmException failure) {
        return failure.kind() == LlmException.Kind.RATE_LIMITED
                && failure.retryAfter()
                        .filter(w -> w.compareTo(MAX_RETRY_WAIT) <= 0)
                        .isPresent();
    }

    private ChatResponse call(
            ModelSpec model,
            boolean localOnly,
            ChatRequest request,
            List<ChatMessage> messages,
            AtomicBoolean firstToken) {
        dev.langchain4j.model.chat.request.ChatRequest lc = dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(messages)
                .maxOutputTokens(request.maxOutputTokens())
                .toolSpecifications(tools(request.tools()))
                .build();
        if (request.onToken().isEmpty()) {
            return providers.chat(model, localOnly).chat(lc);
        }
        Consumer<String> onToken = request.onToken().get();
        CompletableFuture<ChatResponse> done = providers.stream(model, localOnly, lc, partial -> {
            firstToken.set(true);
            onToken.accept(partial);
        });
        try {
            return done.get(timeout(model).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new LlmException(
                            LlmException.Kind.MALFORMED, model.id() + " failed", Optional.empty(), e.getCause());
        } catch (TimeoutException e) {
            throw new LlmException(LlmException.Kind.TIMEOUT, model.id() + " did not finish its stream");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.TIMEOUT, "interrupted while streaming from " + model.id());
        }
    }

    private Duration timeout(ModelSpec model) {
        return providers.timeout(model);
    }

    private ChatResult.Answered answered(
            ChatResponse response, ModelSpec model, String rule, Map<String, Integer> redactions, int attempts) {
        AiMessage message = response.aiMessage();
        TokenUsage usage = response.tokenUsage();
        long in = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
        long out = usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
        List<ChatRequest.ToolCall> calls = message.hasToolExecutionRequests()
                ? message.toolExecutionRequests().stream()
                        .map(t -> new ChatRequest.ToolCall(t.id(), t.name(), t.arguments()))
                        .toList()
                : List.of();
        return new ChatResult.Answered(
                message.text() == null ? "" : message.text(),
                calls,
                model.id(),
                rule,
                in,
                out,
                model.cost(in, out),
                redactions,
                attempts);
    }

    private ChatResult refuse(ChatRequest request, String rule, String reason, Map<String, Integer> found) {
        AuditEvent.Builder event = AuditEvent.of("llm.chat", rule)
                .tenant(request.tenant())
                .actor(request.user().isEmpty() ? Actor.system() : Actor.user(request.user()))
                .requestId(request.requestId())
                .field("task", request.task())
                .field("repo", request.repo());
        denied(event, reason, found);
        return new ChatResult.Refused(rule, reason);
    }

    private static List<ChatMessage> messages(ChatRequest request, List<String> texts) {
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            ChatRequest.Message m = request.messages().get(i);
            String text = texts == null ? m.text() : texts.get(i);
            messages.add(
                    switch (m.role()) {
                        case "system" -> SystemMessage.from(text);
                        case "assistant" ->
                            m.toolCalls().isEmpty()
                                    ? AiMessage.from(text)
                                    : AiMessage.from(m.toolCalls().stream()
                                            .map(c -> ToolExecutionRequest.builder()
                                                    .id(c.id())
                                                    .name(c.name())
                                                    .arguments(c.arguments())
                                                    .build())
                                            .toList());
                        case "tool" -> ToolExecutionResultMessage.from(m.toolCallId(), m.toolName(), text);
                        case "user" -> UserMessage.from(text);
                        default ->
                            throw new LlmException(
                                    LlmException.Kind.INVALID,
                                    "message role must be system, user, assistant or tool, not " + m.role());
                    });
        }
        return messages;
    }

    private static List<ToolSpecification> tools(List<ChatRequest.Tool> tools) {
        List<ToolSpecification> specs = new ArrayList<>();
        for (ChatRequest.Tool tool : tools) {
            JsonObjectSchema.Builder schema = JsonObjectSchema.builder();
            tool.parameters().forEach((name, type) -> {
                switch (type) {
                    case "integer" -> schema.addIntegerProperty(name);
                    case "number" -> schema.addNumberProperty(name);
                    case "boolean" -> schema.addBooleanProperty(name);
                    default -> schema.addStringProperty(name);
                }
            });
            schema.required(List.copyOf(tool.parameters().keySet()));
            specs.add(ToolSpecification.builder()
                    .name(tool.name())
                    .description(tool.description())
                    .parameters(schema.build())
                    .build());
        }
        return specs;
    }
}
