package ai.magicode.appliance.llm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds secrets and e-mail addresses in prompt text and replaces them with {@code [REDACTED:kind]}: cloud keys (AWS,
 * Google, Azure), GitHub and GitLab tokens, Slack tokens, private keys, JWTs, passwords in URLs, high-entropy values
 * next to key words, and e-mail addresses. Results say what kind and how many, never the value. Thread-safe.
 */
public final class Redactor {
    /** The kinds it detects, as policies and audit entries name them. */
    public static final List<String> KINDS = List.of(
            "aws-access-key",
            "google-api-key",
            "azure-storage-key",
            "github-token",
            "gitlab-token",
            "slack-token",
            "private-key",
            "jwt",
            "url-password",
            "keyword-secret",
            "email");

    /** One detector: a cheap literal that must occur before the pattern runs, and the group holding the value. */
    private record Detector(String kind, String literal, boolean ignoreCase, Pattern pattern, int group) {}

    private static final List<Detector> DETECTORS = List.of(
            new Detector("aws-access-key", "", false, Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"), 0),
            new Detector("google-api-key", "AIza", false, Pattern.compile("AIza[0-9A-Za-z_\\-]{35}"), 0),
            new Detector(
                    "azure-storage-key", "AccountKey=", false, Pattern.compile("AccountKey=([A-Za-z0-9+/]{86}==)"), 1),
            new Detector(
                    "github-token",
                    "",
                    false,
                    Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
                    0),
            new Detector("gitlab-token", "glpat-", false, Pattern.compile("glpat-[A-Za-z0-9_\\-]{20,}"), 0),
            new Detector("slack-token", "xox", false, Pattern.compile("xox[abposr]-[A-Za-z0-9\\-]{10,}"), 0),
            new Detector(
                    "private-key",
                    "PRIVATE KEY-----",
                    false,
                    Pattern.compile(
                            "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\\z)"),
                    0),
            new Detector(
                    "jwt",
                    "eyJ",
                    false,
                    Pattern.compile("\\beyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}"),
                    0),
            new Detector(
                    "url-password",
                    "://",
                    false,
                    Pattern.compile("\\b[a-zA-Z][a-zA-Z0-9+.\\-]*://[^/\\s:@]{1,256}:([^/\\s@]{1,256})@"),
                    1),
            new Detector(
                    "keyword-secret",
                    "",
                    true,
                    Pattern.compile(
                            "(?i)(?:password|passwd|pwd|secret|token|api[_\\-]?key|access[_\\-]?key|credential|auth)"
                                    + "[A-Za-z0-9_\\-]{0,20}[\"']?\\s{0,3}[:=]{1,2}>?\\s{0,3}[\"']?"
                                    + "([A-Za-z0-9+/_\\-=.~!@#$%^&*]{12,200})"),
                    1),
            new Detector(
                    "email",
                    "@",
                    false,
                    Pattern.compile(
                            "\\b[A-Za-z0-9._%+\\-]{1,64}@[A-Za-z0-9\\-]{1,63}(?:\\.[A-Za-z0-9\\-]{1,63})*\\.[A-Za-z]{2,24}\\b"),
                    0));

    private static final double MIN_KEYWORD_ENTROPY = 3.0;

    /**
     * What was found and the text with each finding replaced.
     *
     * @param text the redacted text
     * @param counts findings per kind (kinds with none are absent)
     */
    public record Redaction(String text, Map<String, Integer> counts) {
        public Redaction {
            counts = Map.copyOf(counts);
        }

        /** Whether anything was found. */
        public boolean found() {
            return !counts.isEmpty();
        }

        /** All findings. */
        public int total() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private record Span(int start, int end, String kind) {}

    /** Redacts {@code text}. */
    public Redaction redact(String text) {
        List<Span> spans = spans(text);
        if (spans.isEmpty()) {
            return new Redaction(text, Map.of());
        }
        Map<String, Integer> counts = new TreeMap<>();
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Span span : spans) {
            out.append(text, at, span.start())
                    .append("[REDACTED:")
                    .append(span.kind())
                    .append(']');
            at = span.end();
            counts.merge(span.kind(), 1, Integer::sum);
        }
        out.append(text, at, text.length());
        return new Redaction(out.toString(), counts);
    }

    /** The kinds found in {@code text}, with counts; the text itself is not rebuilt. */
    public Map<String, Integer> detect(String text) {
        Map<String, Integer> counts = new TreeMap<>();
        spans(text).forEach(span -> counts.merge(span.kind(), 1, Integer::sum));
        return counts;
    }

    private List<Span> spans(String text) {
        List<Span> found = new ArrayList<>();
        for (Detector detector : DETECTORS) {
            if (!detector.literal().isEmpty() && !text.contains(detector.literal())) {
                continue;
            }
            Matcher matcher = detector.pattern().matcher(text);
            while (matcher.find()) {
                int group = detector.group();
                if (detector.kind().equals("keyword-secret") && entropy(matcher.group(group)) < MIN_KEYWORD_ENTROPY) {
                    continue;
                }
                if (!overlaps(found, matcher.start(group), matcher.end(group))) {
                    found.add(new Span(matcher.start(group), matcher.end(group), detector.kind()));
                }
            }
        }
        // Detectors run in priority order: a later finding overlapping an earlier one is dropped (the password of a
        // URL is not also an e-mail address).
        found.sort(Comparator.comparingInt(Span::start));
        return found;
    }

    private static boolean overlaps(List<Span> spans, int start, int end) {
        for (Span span : spans) {
            if (start < span.end() && span.start() < end) {
                return true;
            }
        }
        return false;
    }

    /** Shannon entropy in bits per character. */
    static double entropy(String value) {
        int[] counts = new int[128];
        int other = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 128) {
                counts[c]++;
            } else {
                other++;
            }
        }
        double entropy = 0;
        double n = value.length();
        for (int count : counts) {
            if (count > 0) {
                double p = count / n;
                entropy -= p * Math.log(p) / Math.log(2);
            }
        }
        if (other > 0) {
            double p = other / n;
            entropy -= p * Math.log(p) / Math.log(2);
        }
        return entropy;
    }
}
