package ai.magicode.appliance.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Identifier-aware tokens: each identifier as a whole (lower case) plus its camelCase / snake_case / digit parts, so
 * {@code getHTTPResponse_code} yields {@code gethttpresponse_code, get, http, response, code}. Paths split on
 * {@code /} and {@code .} the same way. Common English words are dropped.
 */
final class IdentifierTokens {
    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*|[0-9]+");
    private static final Pattern PART = Pattern.compile("[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+");
    private static final Set<String> STOP = Set.copyOf(List.of(
            "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
            "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
            "will", "with", "i", "we", "you", "me", "my", "so", "can", "do", "does", "when", "would", "should", "have",
            "has", "had", "from", "which", "what", "how", "also", "like", "just", "than", "been", "here", "some", "any",
            "all", "its", "our", "your", "there", "were", "get", "set"));

    private IdentifierTokens() {}

    static List<String> of(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher words = WORD.matcher(text);
        while (words.find()) {
            String word = words.group();
            if (word.length() > 64) {
                continue;
            }
            String lower = word.toLowerCase(Locale.ROOT);
            List<String> parts = parts(word);
            if (parts.size() != 1 || !parts.getFirst().equals(lower)) {
                if (lower.length() > 1 && !STOP.contains(lower)) {
                    tokens.add(lower);
                }
            }
            for (String part : parts) {
                if (part.length() > 1 && !STOP.contains(part)) {
                    tokens.add(part);
                }
            }
        }
        return tokens;
    }

    static List<String> parts(String word) {
        List<String> parts = new ArrayList<>();
        Matcher m = PART.matcher(word);
        while (m.find()) {
            parts.add(m.group().toLowerCase(Locale.ROOT));
        }
        return parts;
    }
}
