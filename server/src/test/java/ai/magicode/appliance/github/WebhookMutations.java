package ai.magicode.appliance.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generated mutations of the example payloads, standing in for a coverage-guided fuzzer (Jazzer 0.24.0 resolves here
 * but cannot instrument Java 25 class files): byte-level damage (flips, truncation, splices, junk) and type
 * confusion in the JSON tree (a value replaced by another JSON type, deep nesting, huge numbers, odd strings).
 */
final class WebhookMutations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Random random;

    WebhookMutations(long seed) {
        this.random = new Random(seed);
    }

    /** One mutation of {@code body}. */
    byte[] mutate(byte[] body) {
        return switch (random.nextInt(8)) {
            case 0 -> flipBits(body);
            case 1 -> Arrays.copyOf(body, random.nextInt(Math.max(1, body.length)));
            case 2 -> splice(body);
            case 3 -> junk();
            default -> confuseTypes(body);
        };
    }

    private byte[] flipBits(byte[] body) {
        byte[] copy = body.clone();
        for (int i = 0, n = 1 + random.nextInt(8); i < n && copy.length > 0; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    private byte[] splice(byte[] body) {
        List<String> tokens = List.of(
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"",
                "\\u0000",
                "\\ud800",
                "null",
                "1e999999",
                "-0",
                "\u00e9",
                "\uffff",
                "99999999999999999999999");
        int at = random.nextInt(body.length + 1);
        byte[] token = tokens.get(random.nextInt(tokens.size())).getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + token.length];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(token, 0, out, at, token.length);
        System.arraycopy(body, at, out, at + token.length, body.length - at);
        return out;
    }

    private byte[] junk() {
        byte[] out = new byte[random.nextInt(512)];
        random.nextBytes(out);
        return out;
    }

    private byte[] confuseTypes(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
                replaceRandomValue(root);
            }
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            return flipBits(body); // not JSON (a header, or an already damaged body)
        }
    }

    private void replaceRandomValue(JsonNode root) {
        JsonNode node = root;
        for (int depth = 0; depth < 1 + random.nextInt(5); depth++) {
            if (node instanceof ObjectNode object && object.size() > 0) {
                List<String> names = new ArrayList<>();
                object.fieldNames().forEachRemaining(names::add);
                String name = names.get(random.nextInt(names.size()));
                JsonNode child = object.get(name);
                if (child.isContainerNode() && random.nextBoolean()) {
                    node = child;
                } else {
                    object.set(name, randomValue());
                    return;
                }
            } else if (node instanceof ArrayNode array && array.size() > 0) {
                int index = random.nextInt(array.size());
                if (array.get(index).isContainerNode() && random.nextBoolean()) {
                    node = array.get(index);
                } else {
                    array.set(index, randomValue());
                    return;
                }
            } else {
                return;
            }
        }
    }

    private JsonNode randomValue() {
        return switch (random.nextInt(10)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.textNode("");
            case 2 -> NODES.textNode("12345");
            case 3 -> NODES.numberNode(Long.MAX_VALUE);
            case 4 -> NODES.numberNode(-1.5e300);
            case 5 -> NODES.booleanNode(random.nextBoolean());
            case 6 -> NODES.arrayNode().add(NODES.objectNode());
            case 7 -> NODES.objectNode().put("id", "not a number");
            case 8 -> nested(50 + random.nextInt(150));
            default -> NODES.textNode("\u0000\ud83d\ude00\u202e" + "x".repeat(random.nextInt(2000)));
        };
    }

    private JsonNode nested(int depth) {
        JsonNode node = NODES.textNode("leaf");
        for (int i = 0; i < depth; i++) {
            node = random.nextBoolean()
                    ? NODES.arrayNode().add(node)
                    : NODES.objectNode().set("a", node);
        }
        return node;
    }
}
