package ai.magicode.appliance.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The committed example payloads of {@code @octokit/webhooks-examples} (see the resources' NOTICE.md). */
final class WebhookExamples {
    static final List<String> SOURCES = List.of("api.github.com", "ghes-35");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One example payload.
     *
     * @param source api.github.com or a GHES release
     * @param event the event type
     * @param index its position among the source's examples of the event
     * @param body the payload as GitHub sends it
     */
    record Example(String source, String event, int index, byte[] body) {
        @Override
        public String toString() {
            return source + " " + event + " #" + index;
        }
    }

    private WebhookExamples() {}

    static List<Example> all() {
        List<Example> examples = new ArrayList<>();
        for (String source : SOURCES) {
            try (InputStream in =
                    WebhookExamples.class.getResourceAsStream("/github/webhooks-examples/" + source + ".json")) {
                JsonNode root = JSON.readTree(in);
                for (Map.Entry<String, JsonNode> event : root.properties()) {
                    int index = 0;
                    for (JsonNode example : event.getValue()) {
                        examples.add(new Example(source, event.getKey(), index++, JSON.writeValueAsBytes(example)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return examples;
    }
}
