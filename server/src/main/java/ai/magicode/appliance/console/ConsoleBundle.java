package ai.magicode.appliance.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's ES modules joined into one module at start-up, so the first load fetches one script instead of a
 * module graph (no Node build step: the console's modules use only the two import forms and the exported
 * declarations below, and a module that uses anything else stops the appliance from starting, which {@code
 * ConsoleRoutesTest} catches). Each module becomes a function scope that returns its exports; imports become
 * constants read from the modules before it, in dependency order from the entry module.
 */
final class ConsoleBundle {
    private static final Pattern NAMED_IMPORT =
            Pattern.compile("^import \\{([^}]*)} from '\\./([\\w-]+\\.js)';$", Pattern.MULTILINE);
    private static final Pattern NAMESPACE_IMPORT =
            Pattern.compile("^import \\* as (\\w+) from '\\./([\\w-]+\\.js)';$", Pattern.MULTILINE);
    private static final Pattern ANY_IMPORT = Pattern.compile("^import\\b.*$|\\bimport\\(", Pattern.MULTILINE);
    private static final Pattern EXPORT =
            Pattern.compile("^export ((?:async )?function|class) ([A-Za-z_$][\\w$]*)", Pattern.MULTILINE);
    private static final Pattern ANY_EXPORT = Pattern.compile("^export\\b.*$", Pattern.MULTILINE);

    private ConsoleBundle() {}

    /**
     * Joins {@code entry} and every module it imports (read by {@code source}) into one module's text.
     *
     * @throws IllegalStateException when a module uses an import or export form the bundler does not know, or the
     *     imports form a cycle
     */
    static String of(String entry, Function<String, String> source) {
        Map<String, String> ordered = new LinkedHashMap<>();
        visit(entry, source, ordered, new LinkedHashSet<>());
        StringBuilder out = new StringBuilder("// The console's modules, joined by the appliance at start-up ")
                .append("(console.ConsoleBundle): ")
                .append(String.join(", ", ordered.keySet()))
                .append(".\n");
        for (var module : ordered.entrySet()) {
            out.append(wrap(module.getKey(), module.getValue(), module.getKey().equals(entry)));
        }
        return out.toString();
    }

    private static void visit(
            String name, Function<String, String> source, Map<String, String> ordered, Set<String> path) {
        if (ordered.containsKey(name)) {
            return;
        }
        if (!path.add(name)) {
            throw new IllegalStateException("the console's modules import each other in a cycle: " + path);
        }
        String text = source.apply(name);
        for (String imported : imports(text)) {
            visit(imported, source, ordered, path);
        }
        path.remove(name);
        ordered.put(name, text);
    }

    private static List<String> imports(String text) {
        List<String> names = new ArrayList<>();
        for (Pattern pattern : List.of(NAMED_IMPORT, NAMESPACE_IMPORT)) {
            Matcher matcher = pattern.matcher(text);
            while (matcher.find()) {
                names.add(matcher.group(2));
            }
        }
        return names;
    }

    private static String wrap(String name, String text, boolean entry) {
        List<String> exported = new ArrayList<>();
        Matcher exports = EXPORT.matcher(text);
        while (exports.find()) {
            exported.add(exports.group(2));
        }
        String body = EXPORT.matcher(text).replaceAll("$1 $2");
        body = NAMED_IMPORT
                .matcher(body)
                .replaceAll(match -> Matcher.quoteReplacement(
                        "const {" + match.group(1).trim() + "} = " + variable(match.group(2)) + ";"));
        body = NAMESPACE_IMPORT
                .matcher(body)
                .replaceAll(match ->
                        Matcher.quoteReplacement("const " + match.group(1) + " = " + variable(match.group(2)) + ";"));
        Matcher leftover = ANY_IMPORT.matcher(body);
        if (leftover.find()) {
            throw new IllegalStateException(
                    "console module " + name + " has an import the bundler does not know: " + leftover.group());
        }
        leftover = ANY_EXPORT.matcher(body);
        if (leftover.find()) {
            throw new IllegalStateException(
                    "console module " + name + " has an export the bundler does not know: " + leftover.group());
        }
        String start = entry ? "(() => {\n" : "const " + variable(name) + " = (() => {\n";
        String end = entry ? "})();\n" : "return {" + String.join(", ", exported) + "};\n})();\n";
        return "\n// --- " + name + "\n" + start + body + (body.endsWith("\n") ? "" : "\n") + end;
    }

    private static String variable(String module) {
        return "module_" + module.substring(0, module.length() - ".js".length()).replace('-', '_');
    }
}
