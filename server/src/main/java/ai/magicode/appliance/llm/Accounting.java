package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.audit.AuditEvent;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.output.TokenUsage;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@link ChatModelListener} on every provider model: records each attempt's provider, model, tokens, cost,
 * latency, the rule that routed it and its outcome into the audit log ({@code llm.call}), the metrics
 * ({@code llm.calls}, {@code llm.tokens}, {@code llm.cost.usd}, {@code llm.latency}) and the {@link Usage} totals. The
 * gateway binds the call's context around each attempt.
 */
final class Accounting implements ChatModelListener {
    /** What the listener cannot see in LangChain4j's context: whose call it is and why this model. */
    record Attempt(
            ChatRequest request, ModelSpec model, String rule, int policyVersion, Map<String, Integer> redactions) {}

    static final ScopedValue<Attempt> ATTEMPT = ScopedValue.newInstance();
    private static final String STARTED = "magicode.started";

    private final Consumer<AuditEvent> audit;
    private final Usage usage;

    Accounting(Consumer<AuditEvent> audit, Usage usage) {
        this.audit = audit;
        this.usage = usage;
    }

    @Override
    public void onRequest(ChatModelRequestContext context) {
        context.attributes().put(STARTED, System.nanoTime());
    }

    @Override
    public void onResponse(ChatModelResponseContext context) {
        if (!ATTEMPT.isBound()) {
            return;
        }
        Attempt attempt = ATTEMPT.get();
        TokenUsage tokens = context.chatResponse().tokenUsage();
        long in = tokens == null || tokens.inputTokenCount() == null ? 0 : tokens.inputTokenCount();
        long out = tokens == null || tokens.outputTokenCount() == null ? 0 : tokens.outputTokenCount();
        double cost = attempt.model().cost(in, out);
        Duration latency = latency(context.attributes());
        audit.accept(event(attempt, latency)
                .field("inputTokens", in)
                .field("outputTokens", out)
                .field("costUsd", String.format(java.util.Locale.ROOT, "%.6f", cost))
                .success());
        count(attempt.model(), "success", latency);
        Metrics.globalRegistry()
                .getOrCreate(Counter.builder("llm.tokens")
                        .description("Tokens of answered model calls")
                        .tags(List.of(Tag.create("model", attempt.model().id()), Tag.create("direction", "input"))))
                .increment(in);
        Metrics.globalRegistry()
                .getOrCreate(Counter.builder("llm.tokens")
                        .description("Tokens of answered model calls")
                        .tags(List.of(Tag.create("model", attempt.model().id()), Tag.create("direction", "output"))))
                .increment(out);
        Metrics.globalRegistry()
                .getOrCreate(Counter.builder("llm.cost.micro.usd")
                        .description("Price of answered model calls from the model table, in millionths of a dollar")
                        .tags(List.of(Tag.create("model", attempt.model().id()))))
                .increment(Math.round(cost * 1_000_000));
        ChatRequest request = attempt.request();
        usage.add(
                LocalDate.now(ZoneOffset.UTC),
                request.tenant(),
                request.repo(),
                request.user(),
                attempt.model().id(),
                in,
                out,
                cost);
    }

    @Override
    public void onError(ChatModelErrorContext context) {
        if (!ATTEMPT.isBound()) {
            return;
        }
        Attempt attempt = ATTEMPT.get();
        Duration latency = latency(context.attributes());
        LlmException.Kind kind = Failures.kind(context.error());
        audit.accept(event(attempt, latency).field("error", kind.name()).failure());
        count(attempt.model(), kind.name().toLowerCase(java.util.Locale.ROOT), latency);
    }

    private static AuditEvent.Builder event(Attempt attempt, Duration latency) {
        ChatRequest request = attempt.request();
        AuditEvent.Builder event = AuditEvent.of("llm.call", attempt.model().id())
                .tenant(request.tenant())
                .actor(request.user().isEmpty() ? Actor.system() : Actor.user(request.user()))
                .requestId(request.requestId())
                .field("provider", attempt.model().provider())
                .field("local", attempt.model().local())
                .field("task", request.task())
                .field("repo", request.repo())
                .field("job", request.job())
                .field("rule", attempt.rule())
                .field("policyVersion", attempt.policyVersion())
                .field("latencyMs", latency.toMillis());
        attempt.redactions().forEach((kind, count) -> event.field("redacted." + kind, count));
        return event;
    }

    private static void count(ModelSpec model, String outcome, Duration latency) {
        Metrics.globalRegistry()
                .getOrCreate(Counter.builder("llm.calls")
                        .description("Model call attempts by model and outcome")
                        .tags(List.of(
                                Tag.create("provider", model.provider()),
                                Tag.create("model", model.id()),
                                Tag.create("outcome", outcome))))
                .increment();
        Metrics.globalRegistry()
                .getOrCreate(Timer.builder("llm.latency")
                        .description("Model call latency")
                        .tags(List.of(Tag.create("model", model.id()))))
                .record(latency);
    }

    private static Duration latency(Map<Object, Object> attributes) {
        Object started = attributes.get(STARTED);
        return started instanceof Long nanos ? Duration.ofNanos(System.nanoTime() - nanos) : Duration.ZERO;
    }
}
