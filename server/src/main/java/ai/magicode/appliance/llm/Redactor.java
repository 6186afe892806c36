package ai.magicode.appliance.llm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /**
     * One detector. The pattern runs only in a window around each occurrence of one of its anchors (found with a plain
     * {@code indexOf}, case-insensitively on a lower-cased copy when {@code foldCase}), so the cost is one scan per
     * anchor plus a short regex run per occurrence, not a regex run over the whole text.
     */
    private record Detector(
            String kind, List<String> anchors, boolean foldCase, int before, int after, Pattern pattern, int group) {}

    private static final List<Detector> DETECTORS = List.of(
            new Detector(
                    "aws-access-key",
                    List.of("AKIA", "ASIA"),
                    false,
                    0,
                    24,
                    Pattern.compile("\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"),
                    0),
            new Detector(
                    "google-api-key", List.of("AIza"), false, 0, 40, Pattern.compile("AIza[0-9A-Za-z_\\-]{35}"), 0),
            new Detector(
                    "azure-storage-key",
                    List.of("AccountKey="),
                    false,
                    0,
                    100,
                    Pattern.compile("AccountKey=([A-Za-z0-9+/]{86}==)"),
                    1),
            new Detector(
                    "github-token",
                    List.of("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
                    false,
                    0,
                    270,
                    Pattern.compile("\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
                    0),
            new Detector(
                    "gitlab-token", List.of("glpat-"), false, 0, 270, Pattern.compile("glpat-[A-Za-z0-9_\\-]{20,}"), 0),
            new Detector(
                    "slack-token",
                    List.of("xox"),
                    false,
                    0,
                    270,
                    Pattern.compile("xox[abposr]-[A-Za-z0-9\\-]{10,}"),
                    0),
            new Detector(
                    "private-key",
                    List.of("-----BEGIN "),
                    false,
                    0,
                    64 * 1024,
                    Pattern.compile(
                            "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\\z)"),
                    0),
            new Detector(
                    "jwt",
                    List.of("eyJ"),
                    false,
                    0,
                    8 * 1024,
                    Pattern.compile("\\beyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{8,}"),
                    0),
            new Detector(
                    "url-password",
                    List.of("://"),
                    false,
                    1,
                    520,
                    Pattern.compile("://[^/\\s:@]{1,256}:([^/\\s@]{1,256})@"),
                    1),
            new Detector(
                    "keyword-secret",
                    List.of("pass", "pwd", "secret", "token", "api", "access", "credential", "auth"),
                    true,
                    0,
                    260,
                    Pattern.compile(
                            "(?i)(?:password|passwd|pwd|secret|token|api[_\\-]?key|access[_\\-]?key|credential|auth)"
                                    + "[A-Za-z0-9_\\-]{0,20}[\"']?\\s{0,3}[:=]{1,2}>?\\s{0,3}[\"']?"
                                    + "([A-Za-z0-9+/_\\-=.~!@#$%^&*]{12,200})"),
                    1),
            new Detector(
                    "email",
                    List.of("@"),
                    false,
                    64,
                    280,
                    Pattern.compile("@[A-Za-z0-9\\-]{1,63}(?:\\.[A-Za-z0-9\\-]{1,63})*\\.[A-Za-z]{2,24}\\b"),
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
        // Accepted findings by start; detectors run in priority order, so a later finding that overlaps an earlier one
        // is dropped (the password of a URL is not also an e-mail address).
        TreeMap<Integer, Span> accepted = new TreeMap<>();
        String folded = null;
        for (Detector detector : DETECTORS) {
            String haystack = text;
            if (detector.foldCase()) {
                folded = folded == null ? asciiLowerCase(text) : folded;
                haystack = folded;
            }
            Matcher matcher = detector.pattern().matcher(text);
            matcher.useTransparentBounds(true).useAnchoringBounds(false);
            for (String anchor : detector.anchors()) {
                int covered = -1;
                for (int at = haystack.indexOf(anchor); at >= 0; at = haystack.indexOf(anchor, at + 1)) {
                    if (at < covered) {
                        continue;
                    }
                    int to = (int) Math.min(text.length(), (long) at + anchor.length() + detector.after());
                    matcher.region(at, to);
                    if (!matcher.lookingAt()) {
                        continue;
                    }
                    covered = matcher.end();
                    int start = matcher.start(detector.group());
                    if (detector.before() > 0) {
                        // The anchor sits inside the finding: a URL's scheme, an address's local part.
                        int head = extendBack(text, at, detector.before());
                        if (head == at) {
                            continue;
                        }
                        if (detector.group() == 0) {
                            start = head;
                        }
                    }
                    if (detector.kind().equals("keyword-secret")
                            && entropy(matcher.group(detector.group())) < MIN_KEYWORD_ENTROPY) {
                        continue;
                    }
                    accept(accepted, new Span(start, matcher.end(detector.group()), detector.kind()));
                }
            }
        }
        return new ArrayList<>(accepted.values());
    }

    /** Where a finding containing the anchor at {@code at} starts: back over local-part or scheme characters. */
    private static int extendBack(String text, int at, int limit) {
        int start = at;
        while (start > 0 && at - start < limit && localPart(text.charAt(start - 1))) {
            start--;
        }
        return start;
    }

    private static boolean localPart(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '%'
                || c == '+'
                || c == '-';
    }

    private static void accept(TreeMap<Integer, Span> accepted, Span span) {
        Map.Entry<Integer, Span> before = accepted.floorEntry(span.start());
        if (before != null && before.getValue().end() > span.start()) {
            return;
        }
        Map.Entry<Integer, Span> after = accepted.ceilingEntry(span.start());
        if (after != null && after.getKey() < span.end()) {
            return;
        }
        accepted.put(span.start(), span);
    }

    /** Lower-cases ASCII letters only (other characters become one byte each), so indices stay those of the text. */
    private static String asciiLowerCase(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b >= 'A' && b <= 'Z') {
                bytes[i] = (byte) (b + 32);
            }
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
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
