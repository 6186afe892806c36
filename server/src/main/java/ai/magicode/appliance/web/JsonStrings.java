package ai.magicode.appliance.web;

/**
 * JSON string literals written by hand, for the log lines and the audit log's canonical entries, which
 * must not pull a JSON library onto the startup or append path. RFC 8259 escaping; other control
 * characters and the JavaScript line separators as {@code \\uXXXX}.
 */
public final class JsonStrings {
    private JsonStrings() {}

    /** Appends {@code text} to {@code out} as a quoted JSON string. */
    public static StringBuilder quote(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
