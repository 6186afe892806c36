package ai.magicode.appliance.llm;

import java.util.Objects;

/**
 * One model of the catalogue: which provider serves it under which id, what it can do, what it costs, and whether its
 * endpoint is inside the customer network.
 *
 * @param id the id policies name, {@code provider/model}
 * @param provider the provider block serving it ({@code openai}, {@code ollama}, …)
 * @param model the provider's own model id
 * @param tools whether it calls tools
 * @param streaming whether it streams
 * @param contextWindow its context window in tokens
 * @param embeddings whether it is an embedding model
 * @param inputUsdPerMillion price of a million prompt tokens, in US dollars
 * @param outputUsdPerMillion price of a million completion tokens, in US dollars
 * @param local whether its provider endpoint is local (from the provider's configuration)
 */
public record ModelSpec(
        String id,
        String provider,
        String model,
        boolean tools,
        boolean streaming,
        int contextWindow,
        boolean embeddings,
        double inputUsdPerMillion,
        double outputUsdPerMillion,
        boolean local) {
    public ModelSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
    }

    /** The price of a call with these token counts, in US dollars. */
    public double cost(long inputTokens, long outputTokens) {
        return (inputTokens * inputUsdPerMillion + outputTokens * outputUsdPerMillion) / 1_000_000.0;
    }
}
