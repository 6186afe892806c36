package ai.magicode.appliance.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** One request on the control socket: a command name and string arguments. */
record ControlRequest(String command, Map<String, String> arguments) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static ControlRequest parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.path("command").isTextual()) {
                throw new ControlException("malformed control request: expected {\"command\":…,\"arguments\":{…}}");
            }
            Map<String, String> arguments = new LinkedHashMap<>();
            node.path("arguments")
                    .properties()
                    .forEach(e -> arguments.put(e.getKey(), e.getValue().asText()));
            return new ControlRequest(node.get("command").asText(), arguments);
        } catch (JsonProcessingException e) {
            throw new ControlException("malformed control request: not JSON");
        }
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(Map.of("command", command, "arguments", arguments));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
