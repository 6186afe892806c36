package ai.magicode.appliance.github;

import ai.magicode.appliance.contracts.OpenApiContract;
import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.whitelist.ValidationErrorsWhitelist;
import com.atlassian.oai.validator.whitelist.rule.WhitelistRules;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * GitHub's GHES 3.19 OpenAPI description (the subset in {@code src/test/resources/github}): validates requests and
 * responses, and builds response bodies that satisfy a schema (every required property, typed), onto which the
 * simulator lays its state.
 */
final class GhesContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String RESOURCE = "/github/ghes-3.19-subset.json";

    /**
     * The one place where the description cannot be satisfied by any answer (GitHub's real ones included), excused for
     * exactly that operation and property; everything else in those answers is still checked. GET /app/installations
     * declares each item's account as allOf [simple-user, enterprise], but an account is one or the other (the
     * installation component itself says anyOf).
     */
    private static final ValidationErrorsWhitelist KNOWN_DEFECTS = ValidationErrorsWhitelist.create()
            .withRule(
                    "installation list: account is allOf of two exclusive schemas",
                    WhitelistRules.allOf(
                            WhitelistRules.isResponse(),
                            WhitelistRules.pathContainsSubstring("/app/installations"),
                            WhitelistRules.messageHasKey("validation.response.body.schema.allOf"),
                            WhitelistRules.messageContainsSubstring("/account'")));

    private static GhesContract instance;

    private final JsonNode spec;
    private final OpenApiContract exchanges;

    private GhesContract(String text) {
        try {
            this.spec = JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The validator cannot load a discriminator whose property some alternatives lack (the contents answer's
        // oneOf); a discriminator only tells which alternative to try first, so without it oneOf checks the same.
        ObjectNode forValidator = spec.deepCopy();
        forValidator.findParents("discriminator").forEach(parent -> ((ObjectNode) parent).remove("discriminator"));
        this.exchanges = new OpenApiContract(
                OpenApiInteractionValidator.createForInlineApiSpecification(forValidator.toString())
                        .withBasePathOverride("/api/v3")
                        .withWhitelist(KNOWN_DEFECTS)
                        .withLevelResolver(OpenApiContract.openSchemaLevels().build())
                        .build(),
                path -> "/api/v3" + path);
    }

    /** The contract, parsed once per test JVM (parsing takes a few seconds). */
    static synchronized GhesContract load() {
        if (instance == null) {
            instance = new GhesContract(OpenApiContract.description(RESOURCE));
        }
        return instance;
    }

    /** Checks the exchanges with GHES: paths below {@code /api/v3}, as the simulator serves them. */
    OpenApiContract exchanges() {
        return exchanges;
    }

    /** A body satisfying {@code #/components/schemas/<name>}, with {@code overlay}'s fields laid over it. */
    ObjectNode shape(String name, Map<String, ?> overlay) {
        ObjectNode node =
                (ObjectNode) example(spec.path("components").path("schemas").path(name), false, 0);
        merge(node, JSON.valueToTree(overlay));
        return node;
    }

    private static void merge(ObjectNode target, JsonNode overlay) {
        Iterator<Map.Entry<String, JsonNode>> fields = overlay.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private JsonNode resolve(JsonNode schema) {
        while (schema.has("$ref")) {
            String[] parts = schema.path("$ref").asText().substring(2).split("/");
            JsonNode target = spec;
            for (String part : parts) {
                target = target.path(part);
            }
            schema = target;
        }
        return schema;
    }

    private JsonNode example(JsonNode schema, boolean mayBeNull, int depth) {
        schema = resolve(schema);
        if (mayBeNull && schema.path("nullable").asBoolean()) {
            return NODES.nullNode();
        }
        if (depth > 12) {
            return NODES.nullNode();
        }
        if (schema.has("allOf")) {
            ObjectNode merged = NODES.objectNode();
            for (JsonNode part : schema.path("allOf")) {
                JsonNode value = example(part, false, depth + 1);
                if (value instanceof ObjectNode object) {
                    merge(merged, object);
                }
            }
            return merged;
        }
        if (schema.has("oneOf")) {
            return example(schema.path("oneOf").path(0), false, depth + 1);
        }
        if (schema.has("anyOf")) {
            return example(schema.path("anyOf").path(0), false, depth + 1);
        }
        if (schema.has("enum")) {
            for (JsonNode value : schema.path("enum")) {
                if (!value.isNull()) {
                    return value;
                }
            }
            return schema.path("enum").path(0);
        }
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "string");
        return switch (type) {
            case "object" -> {
                ObjectNode object = NODES.objectNode();
                for (JsonNode required : schema.path("required")) {
                    JsonNode property = schema.path("properties").path(required.asText());
                    object.set(
                            required.asText(),
                            property.isMissingNode() ? NODES.textNode("x") : example(property, true, depth + 1));
                }
                yield object;
            }
            case "array" -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = 0; i < schema.path("minItems").asInt(0); i++) {
                    array.add(example(schema.path("items"), false, depth + 1));
                }
                yield array;
            }
            case "integer", "number" ->
                NODES.numberNode(Math.max(1, schema.path("minimum").asLong(1)));
            case "boolean" -> NODES.booleanNode(false);
            default ->
                NODES.textNode(
                        switch (schema.path("format").asText("")) {
                            case "date-time" -> "2026-01-01T00:00:00Z";
                            case "date" -> "2026-01-01";
                            case "uri", "url", "uri-template" -> "https://ghe.example.com/x";
                            case "email" -> "bot@example.com";
                            default -> "x";
                        });
        };
    }
}
