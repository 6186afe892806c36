package ai.magicode.appliance.llm;

import java.util.List;
import java.util.Map;

/** How a gateway call ended when it did not fail: an answer, or a refusal by policy, redaction or budget. */
public sealed interface ChatResult {
    /** The rule that decided. */
    String rule();

    /**
     * The model answered.
     *
     * @param text the answer's text
     * @param toolCalls the tools it asked to call
     * @param model the model that answered ({@code provider/model})
     * @param rule the rule that routed the call
     * @param inputTokens prompt tokens, as the provider counted them
     * @param outputTokens answer tokens
     * @param costUsd the call's price from the model table
     * @param redactions findings replaced before the model saw the prompt, by kind
     * @param attempts models tried, this one included
     */
    record Answered(
            String text,
            List<ChatRequest.ToolCall> toolCalls,
            String model,
            String rule,
            long inputTokens,
            long outputTokens,
            double costUsd,
            Map<String, Integer> redactions,
            int attempts)
            implements ChatResult {
        public Answered {
            toolCalls = List.copyOf(toolCalls);
            redactions = Map.copyOf(redactions);
        }
    }

    /**
     * No model was called.
     *
     * @param rule the rule that refused, or {@code (none)}
     * @param reason why (never prompt text)
     */
    record Refused(String rule, String reason) implements ChatResult {}
}
