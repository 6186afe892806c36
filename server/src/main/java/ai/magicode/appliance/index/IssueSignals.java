package ai.magicode.appliance.index;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an issue text names explicitly: file paths (also from Python {@code File "x.py", line N} and Java
 * {@code at a.b.C.m(C.java:12)} stack frames), dotted module or class names, and code-like identifiers (camelCase,
 * snake_case, calls, back-quoted words).
 */
record IssueSignals(Set<String> paths, Set<String> framePaths, Set<String> dottedNames, Set<String> identifiers) {
    private static final Pattern PY_FRAME = Pattern.compile("File \"([^\"]+)\", line \\d+");
    private static final Pattern JAVA_FRAME = Pattern.compile(
            "at\\s+((?:[A-Za-z_$][\\w$]*\\.)+)[A-Za-z_$<>][\\w$<>]*\\(([A-Za-z_$][\\w$]*)\\.(java|kt|scala|groovy)(?::\\d+)?\\)");
    private static final Pattern PATH = Pattern.compile(
            "(?<![\\w/.-])((?:[\\w.-]+/)*[\\w-]+\\.(?:py|pyi|java|js|jsx|ts|tsx|go|rs|c|h|cc|cpp|rb|kt|scala|php|cs|cfg|toml|ini|ya?ml|json))\\b");
    private static final Pattern DOTTED = Pattern.compile("\\b([A-Za-z_][\\w]*(?:\\.[A-Za-z_][\\w]*)+)\\b");
    private static final Pattern CAMEL =
            Pattern.compile("\\b([a-z]+[A-Z][\\w]*|[A-Z][a-z0-9]+[A-Z][\\w]*|[A-Z]{2,}[a-z][\\w]*)\\b");
    private static final Pattern SNAKE = Pattern.compile("\\b([A-Za-z][a-z0-9]*_[\\w]+|_[A-Za-z][\\w]*)\\b");
    private static final Pattern CALL = Pattern.compile("\\b([A-Za-z_][\\w]*)\\(");
    private static final Pattern QUOTED = Pattern.compile("`([A-Za-z_][\\w.]*)(?:\\(\\))?`");

    static IssueSignals of(String text) {
        Set<String> frames = new LinkedHashSet<>();
        Matcher m = PY_FRAME.matcher(text);
        while (m.find()) {
            frames.add(m.group(1).replace('\\', '/'));
        }
        m = JAVA_FRAME.matcher(text);
        while (m.find()) {
            String pkg = m.group(1).substring(0, m.group(1).length() - 1);
            int lastDot = pkg.lastIndexOf('.');
            String packagePath = lastDot < 0 ? "" : pkg.substring(0, lastDot).replace('.', '/');
            frames.add((packagePath.isEmpty() ? "" : packagePath + "/") + m.group(2) + "." + m.group(3));
        }
        Set<String> paths = new LinkedHashSet<>();
        m = PATH.matcher(text);
        while (m.find()) {
            paths.add(m.group(1));
        }
        Set<String> dotted = new LinkedHashSet<>();
        m = DOTTED.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!name.matches(".*\\.(py|java|js|ts|go|txt|md|rst|html|org|com|io|net)$") && name.length() < 120) {
                dotted.add(name);
            }
        }
        Set<String> identifiers = new LinkedHashSet<>();
        for (Pattern p : new Pattern[] {CAMEL, SNAKE, CALL, QUOTED}) {
            m = p.matcher(text);
            while (m.find()) {
                for (String part : m.group(1).split("\\.")) {
                    if (part.length() > 2) {
                        identifiers.add(part);
                    }
                }
            }
        }
        for (String name : dotted) {
            for (String part : name.split("\\.")) {
                if (part.length() > 2) {
                    identifiers.add(part);
                }
            }
        }
        return new IssueSignals(paths, frames, dotted, identifiers);
    }
}
