package ai.magicode.appliance.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Webhook payloads for the {@link GhesSimulator}'s own deliveries, built on the shapes of GitHub's example payloads
 * ({@code @octokit/webhooks-examples}, the GHES 3.5 set the parser tests read): the first example of an event and
 * action is copied and the simulator's state laid over it (repository, installation, sender and the event's
 * subject), so a delivery carries every field a real one has, with the values of the simulated world.
 */
final class WebhookPayloads {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode EXAMPLES = load();

    private WebhookPayloads() {}

    /**
     * A copy of the first example of {@code event} with {@code action} (null: an event without action, as push),
     * with {@code overlay} merged into it: objects field by field, anything else replaced.
     *
     * @throws IllegalArgumentException when the examples hold no such event
     */
    static ObjectNode of(String event, String action, Map<String, ?> overlay) {
        for (JsonNode example : EXAMPLES.path(event)) {
            if (action == null
                    ? !example.has("action")
                    : action.equals(example.path("action").asText())) {
                ObjectNode payload = example.deepCopy();
                merge(payload, JSON.valueToTree(overlay));
                return payload;
            }
        }
        throw new IllegalArgumentException("no example payload of " + event + " " + action);
    }

    private static void merge(ObjectNode target, JsonNode overlay) {
        overlay.properties().forEach(field -> {
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
            } else {
                target.set(field.getKey(), field.getValue());
            }
        });
    }

    private static JsonNode load() {
        try (InputStream in = WebhookPayloads.class.getResourceAsStream("/github/webhooks-examples/ghes-35.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
