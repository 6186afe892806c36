package ai.magicode.appliance.agent;

import ai.magicode.appliance.llm.Redactor;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Cuts a failed check's log down to what the model needs: the lines that look like errors with a few lines around
 * each, and the end of the log, at most {@link #MAX_LINES} lines and {@link #MAX_CHARS} characters, with secrets
 * masked by the LLM gateway's detector (a CI log may print a token the model must never see).
 */
final class CheckLog {
    static final int MAX_LINES = 120;
    static final int MAX_CHARS = 12_000;
    private static final int TAIL = 40;
    private static final int CONTEXT = 3;
    private static final Pattern ERROR = Pattern.compile(
            "(?i)\\b(error|errors|failed|failure|fail|exception|assert\\w*|traceback|panic|fatal)\\b|##\\[error\\]");
    /** GitHub Actions prefixes each line with an ISO timestamp: noise for the model. */
    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z ");

    private static final Redactor REDACTOR = new Redactor();

    private CheckLog() {}

    /** The trimmed log; lines left out are marked with {@code …}. */
    static String trim(String log) {
        List<String> lines =
                log.lines().map(l -> TIMESTAMP.matcher(l).replaceFirst("")).toList();
        TreeSet<Integer> keep = new TreeSet<>();
        for (int i = Math.max(0, lines.size() - TAIL); i < lines.size(); i++) {
            keep.add(i);
        }
        // Error lines from the end backwards: the last errors are the likeliest cause.
        for (int i = lines.size() - 1; i >= 0 && keep.size() < MAX_LINES; i--) {
            if (ERROR.matcher(lines.get(i)).find()) {
                for (int j = Math.max(0, i - CONTEXT); j <= Math.min(lines.size() - 1, i + CONTEXT); j++) {
                    keep.add(j);
                }
            }
        }
        while (keep.size() > MAX_LINES) {
            keep.pollFirst();
        }
        List<String> out = new ArrayList<>();
        int previous = -1;
        for (int i : keep) {
            if (i != previous + 1) {
                out.add("…");
            }
            out.add(lines.get(i));
            previous = i;
        }
        String text = REDACTOR.redact(String.join("\n", out)).text();
        return text.length() <= MAX_CHARS ? text : "…" + text.substring(text.length() - MAX_CHARS);
    }
}
