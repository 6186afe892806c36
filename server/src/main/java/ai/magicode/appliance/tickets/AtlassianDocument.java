package ai.magicode.appliance.tickets;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jira Cloud's rich text (the Atlassian Document Format): its plain text, and a document holding plain text. */
final class AtlassianDocument {
    private static final Set<String> BLOCKS =
            Set.of("paragraph", "heading", "codeBlock", "listItem", "blockquote", "rule", "tableRow");

    private AtlassianDocument() {}

    /** The text of a document, one line per block; a plain string is taken as it is. */
    static String text(JsonNode document) {
        if (document.isTextual()) {
            return document.asText();
        }
        StringBuilder out = new StringBuilder();
        append(document, out);
        return out.toString().strip();
    }

    private static void append(JsonNode node, StringBuilder out) {
        if (node.path("type").asText().equals("text")) {
            out.append(node.path("text").asText(""));
        } else if (node.path("type").asText().equals("hardBreak")) {
            out.append('\n');
        }
        node.path("content").forEach(child -> append(child, out));
        if (BLOCKS.contains(node.path("type").asText())) {
            out.append('\n');
        }
    }

    /** A document of one paragraph per line of {@code text}. */
    static Map<String, Object> of(String text) {
        List<Map<String, Object>> paragraphs = text.lines()
                .filter(line -> !line.isBlank())
                .map(line -> Map.<String, Object>of(
                        "type", "paragraph", "content", List.of(Map.of("type", "text", "text", line))))
                .toList();
        return Map.of("type", "doc", "version", 1, "content", paragraphs);
    }
}
