package ai.magicode.appliance.llm;

import ai.magicode.appliance.config.LlmConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models the gateway may route to: the bundled table {@code llm/models.json} (or an operator's file in its place),
 * restricted to enabled providers, each entry marked local or external from its provider's configuration. Prices are
 * in the table; nothing is fetched at run time.
 */
public final class Catalogue {
    static final String BUNDLED = "/llm/models.json";

    private final Map<String, ModelSpec> models;

    Catalogue(Collection<ModelSpec> models) {
        Map<String, ModelSpec> byId = new LinkedHashMap<>();
        models.forEach(m -> byId.put(m.id(), m));
        this.models = Map.copyOf(byId);
    }

    /**
     * Reads the table and keeps the models of enabled providers.
     *
     * @throws LlmException naming the entry and field when the table is unreadable
     */
    public static Catalogue load(LlmConfig config) {
        JsonNode table = read(config.priceFile());
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        JsonNode entries = table.path("models");
        if (!entries.isArray()) {
            throw invalid("the table has no \"models\" array");
        }
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            String provider = text(entry, "provider", i);
            String model = text(entry, "model", i);
            LlmConfig.Provider block = config.providers().get(provider);
            if (block == null) {
                throw invalid("models[" + i + "].provider: " + provider + " is not one of " + LlmConfig.PROVIDERS);
            }
            if (!block.enabled()) {
                continue;
            }
            ModelSpec spec = new ModelSpec(
                    provider + "/" + model,
                    provider,
                    model,
                    entry.path("tools").asBoolean(false),
                    entry.path("streaming").asBoolean(true),
                    entry.path("contextWindow").asInt(8192),
                    entry.path("embeddings").asBoolean(false),
                    price(entry, "inputUsdPerMillion", i),
                    price(entry, "outputUsdPerMillion", i),
                    block.local());
            models.put(spec.id(), spec);
        }
        return new Catalogue(models.values());
    }

    /** The model with this {@code provider/model} id. */
    public Optional<ModelSpec> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /** Every model, in table order. */
    public List<ModelSpec> all() {
        return List.copyOf(models.values());
    }

    private static JsonNode read(Optional<Path> file) {
        ObjectMapper json = new ObjectMapper();
        try {
            if (file.isPresent()) {
                return json.readTree(Files.readString(file.get()));
            }
            try (InputStream in = Catalogue.class.getResourceAsStream(BUNDLED)) {
                if (in == null) {
                    throw invalid("the bundled model table " + BUNDLED + " is missing from the jar");
                }
                return json.readTree(in);
            }
        } catch (IOException e) {
            throw invalid(
                    "cannot read the model table " + file.map(Path::toString).orElse(BUNDLED) + ": "
                            + e.getClass().getSimpleName());
        }
    }

    private static String text(JsonNode entry, String field, int index) {
        String value = entry.path(field).asText("");
        if (value.isBlank()) {
            throw invalid("models[" + index + "]." + field + " is required");
        }
        return value;
    }

    private static double price(JsonNode entry, String field, int index) {
        JsonNode value = entry.path(field);
        if (!value.isNumber() || value.asDouble() < 0) {
            throw invalid("models[" + index + "]." + field + " must be a number of US dollars, 0 or more");
        }
        return value.asDouble();
    }

    private static LlmException invalid(String message) {
        return new LlmException(LlmException.Kind.INVALID, "Model table: " + message);
    }
}
