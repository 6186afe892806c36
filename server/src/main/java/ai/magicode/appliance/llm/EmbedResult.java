package ai.magicode.appliance.llm;

import java.util.List;
import java.util.Map;

/** How an embedding call ended when it did not fail: vectors, or a refusal by policy, redaction or budget. */
public sealed interface EmbedResult {
    /** The rule that decided. */
    String rule();

    /**
     * The model embedded the texts.
     *
     * @param model the model ({@code provider/model})
     * @param rule the rule that routed the call
     * @param local whether the model runs inside the customer network
     * @param vectors one vector per text, in order
     * @param inputTokens tokens, as the provider counted them (estimated when it reports none)
     * @param costUsd the call's price from the model table
     * @param redactions findings replaced before an external model saw the texts, by kind
     */
    record Embedded(
            String model,
            String rule,
            boolean local,
            List<float[]> vectors,
            long inputTokens,
            double costUsd,
            Map<String, Integer> redactions)
            implements EmbedResult {
        public Embedded {
            vectors = List.copyOf(vectors);
            redactions = Map.copyOf(redactions);
        }

        /** The vectors' length. */
        public int dimension() {
            return vectors.getFirst().length;
        }
    }

    /**
     * The call was not made.
     *
     * @param rule the rule that refused
     * @param reason why, for the operator
     */
    record Refused(String rule, String reason) implements EmbedResult {}
}
