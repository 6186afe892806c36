package ai.magicode.appliance.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A repository's {@code .magicode.yml}: the label that triggers the agent, which paths it may change, the optional
 * check command and the model preferences (which the tenant's routing policy may override). Parsing is strict: an
 * unknown key, a wrong type or a bad glob is an {@link AgentException} whose message names the field, ready to be
 * posted back as a comment. The schema is documented in {@code docs/agent-config.md} and shipped as
 * {@code agent/magicode-yml.schema.json}.
 */
public final class RepoConfig {
    /** The file's name at the repository root. */
    public static final String FILE = ".magicode.yml";

    /** Paths the agent never changes, whatever the repository allows: CI definitions could exfiltrate secrets. */
    public static final List<String> ALWAYS_DENIED = List.of(".github/workflows/**");

    /** The configuration of a repository without {@code .magicode.yml}. */
    public static final RepoConfig DEFAULT =
            new RepoConfig("magicode", List.of(), List.of(), Optional.empty(), Duration.ofMinutes(10), List.of());

    /** Every key the parser accepts, dotted from the top; the JSON Schema must describe exactly these. */
    static final Set<String> KEYS = Set.of(
            "version",
            "trigger-label",
            "paths",
            "paths.allow",
            "paths.deny",
            "check",
            "check.command",
            "check.timeout-minutes",
            "models");

    static final int MAX_GLOBS = 200;
    static final int MAX_MODELS = 20;
    static final int MAX_TIMEOUT_MINUTES = 60;
    private static final int MAX_LABEL = 50; // GitHub's limit for a label name
    private static final int MAX_BYTES = 64 * 1024;
    private static final String PREFIX = "`" + FILE + "`: ";

    private final String triggerLabel;
    private final List<String> allowPaths;
    private final List<String> denyPaths;
    private final Optional<String> checkCommand;
    private final Duration checkTimeout;
    private final List<String> models;
    private final List<Pattern> allow;
    private final List<Pattern> deny;

    private RepoConfig(
            String triggerLabel,
            List<String> allowPaths,
            List<String> denyPaths,
            Optional<String> checkCommand,
            Duration checkTimeout,
            List<String> models) {
        this.triggerLabel = triggerLabel;
        this.allowPaths = List.copyOf(allowPaths);
        this.denyPaths = List.copyOf(denyPaths);
        this.checkCommand = checkCommand;
        this.checkTimeout = checkTimeout;
        this.models = List.copyOf(models);
        this.allow = allowPaths.stream().map(RepoConfig::compile).toList();
        List<Pattern> denied = new ArrayList<>();
        ALWAYS_DENIED.forEach(glob -> denied.add(compile(glob)));
        denyPaths.forEach(glob -> denied.add(compile(glob)));
        this.deny = List.copyOf(denied);
    }

    /** The issue label that starts a job (default {@code magicode}). */
    public String triggerLabel() {
        return triggerLabel;
    }

    /** Globs of the paths the agent may change; empty means every path that is not denied. */
    public List<String> allowPaths() {
        return allowPaths;
    }

    /** The repository's own deny globs (the {@link #ALWAYS_DENIED} ones apply as well). */
    public List<String> denyPaths() {
        return denyPaths;
    }

    /** The command that checks a change in the sandbox; empty (the default) means no check runs. */
    public Optional<String> checkCommand() {
        return checkCommand;
    }

    /** How long the check command may run. */
    public Duration checkTimeout() {
        return checkTimeout;
    }

    /** Model names in order of preference; the tenant's routing policy decides which of them may be used. */
    public List<String> models() {
        return models;
    }

    /**
     * Why the agent may not change {@code path} (relative, '/'-separated), or empty when it may: denied by default,
     * denied by the repository, or outside its allow list.
     */
    public Optional<String> pathRefusal(String path) {
        for (int i = 0; i < deny.size(); i++) {
            if (deny.get(i).matcher(path).matches()) {
                return Optional.of(
                        i < ALWAYS_DENIED.size()
                                ? path + " matches " + ALWAYS_DENIED.get(i)
                                        + ", which the agent never changes (CI workflows can reach secrets)"
                                : path + " matches " + denyPaths.get(i - ALWAYS_DENIED.size()) + " in paths.deny of "
                                        + FILE);
            }
        }
        if (!allow.isEmpty() && allow.stream().noneMatch(p -> p.matcher(path).matches())) {
            return Optional.of(path + " matches none of paths.allow in " + FILE);
        }
        return Optional.empty();
    }

    /**
     * Parses and validates a {@code .magicode.yml}; an empty document gives {@link #DEFAULT}.
     *
     * @throws AgentException naming the field that is wrong, e.g. "`.magicode.yml`: paths.deny[2]: not a valid glob"
     */
    public static RepoConfig parse(String yaml) {
        if (yaml == null || yaml.isBlank()) {
            return DEFAULT;
        }
        if (yaml.length() > MAX_BYTES) {
            throw new AgentException(PREFIX + "larger than " + MAX_BYTES / 1024 + " KiB");
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(20);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit(MAX_BYTES);
        Object document;
        try {
            document = new Yaml(new SafeConstructor(options)).load(yaml);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark();
            String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ": ";
            throw new AgentException(PREFIX + where + "not valid YAML (" + e.getProblem() + ")");
        } catch (YAMLException e) {
            throw new AgentException(PREFIX + "not valid YAML (" + e.getMessage() + ")");
        }
        if (document == null) {
            return DEFAULT;
        }
        Map<String, Object> top = map(document, "the document");
        known(top, "", Set.of("version", "trigger-label", "paths", "check", "models"));

        if (top.containsKey("version")) {
            Object version = top.get("version");
            if (!(version instanceof Integer number) || number != 1) {
                throw new AgentException(PREFIX + "version: must be 1 (the only version there is)");
            }
        }
        String label = DEFAULT.triggerLabel;
        if (top.containsKey("trigger-label")) {
            label = string(top.get("trigger-label"), "trigger-label");
            if (label.length() > MAX_LABEL || label.contains("\n")) {
                throw new AgentException(
                        PREFIX + "trigger-label: must be one line of at most " + MAX_LABEL + " characters");
            }
        }
        List<String> allowGlobs = List.of();
        List<String> denyGlobs = List.of();
        if (top.containsKey("paths")) {
            Map<String, Object> paths = map(top.get("paths"), "paths");
            known(paths, "paths.", Set.of("allow", "deny"));
            allowGlobs = globs(paths.get("allow"), "paths.allow");
            denyGlobs = globs(paths.get("deny"), "paths.deny");
        }
        Optional<String> command = Optional.empty();
        Duration timeout = DEFAULT.checkTimeout;
        if (top.containsKey("check")) {
            Map<String, Object> check = map(top.get("check"), "check");
            known(check, "check.", Set.of("command", "timeout-minutes"));
            if (check.containsKey("command")) {
                command = Optional.of(string(check.get("command"), "check.command"));
            }
            if (check.containsKey("timeout-minutes")) {
                Object minutes = check.get("timeout-minutes");
                if (!(minutes instanceof Integer number) || number < 1 || number > MAX_TIMEOUT_MINUTES) {
                    throw new AgentException(
                            PREFIX + "check.timeout-minutes: must be a whole number from 1 to " + MAX_TIMEOUT_MINUTES);
                }
                timeout = Duration.ofMinutes(number);
            }
        }
        List<String> models = List.of();
        if (top.containsKey("models")) {
            models = strings(top.get("models"), "models", MAX_MODELS);
        }
        return new RepoConfig(label, allowGlobs, denyGlobs, command, timeout, models);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value, String field) {
        if (!(value instanceof Map<?, ?> raw)) {
            throw new AgentException(PREFIX + field + ": must be a mapping of keys to values, not " + typeOf(value));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : raw.entrySet()) {
            if (!(entry.getKey() instanceof String key)) {
                throw new AgentException(PREFIX + field + ": key " + entry.getKey() + " is not a string");
            }
            out.put(key, entry.getValue());
        }
        return out;
    }

    private static void known(Map<String, Object> map, String prefix, Set<String> keys) {
        for (String key : map.keySet()) {
            if (!keys.contains(key)) {
                throw new AgentException(PREFIX + prefix + key + ": unknown key (known here: "
                        + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
    }

    private static String string(Object value, String field) {
        if (!(value instanceof String text)) {
            throw new AgentException(PREFIX + field + ": must be a string, not " + typeOf(value));
        }
        if (text.isBlank()) {
            throw new AgentException(PREFIX + field + ": must not be empty");
        }
        return text.strip();
    }

    private static List<String> strings(Object value, String field, int max) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new AgentException(PREFIX + field + ": must be a list, not " + typeOf(value));
        }
        if (list.size() > max) {
            throw new AgentException(PREFIX + field + ": at most " + max + " entries");
        }
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(string(list.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    private static List<String> globs(Object value, String field) {
        List<String> globs = strings(value, field, MAX_GLOBS);
        for (int i = 0; i < globs.size(); i++) {
            try {
                compile(globs.get(i));
            } catch (IllegalArgumentException e) {
                throw new AgentException(PREFIX + field + "[" + i + "]: not a valid glob (" + e.getMessage() + ")");
            }
        }
        return globs;
    }

    private static String typeOf(Object value) {
        return switch (value) {
            case null -> "nothing";
            case String _ -> "a string";
            case Integer _ -> "a number";
            case Long _ -> "a number";
            case Double _ -> "a number";
            case Boolean _ -> "true/false";
            case List<?> _ -> "a list";
            case Map<?, ?> _ -> "a mapping";
            default -> "a " + value.getClass().getSimpleName();
        };
    }

    /**
     * Compiles a path glob, anchored at the repository root: {@code *} and {@code ?} stay within one path segment,
     * {@code **} as a whole segment spans any number of them, {@code [a-z]}/{@code [!a]} are character classes and
     * {@code {a,b}} alternatives. A glob without '/' matches a file name at any depth (as in {@code .gitignore}); a
     * glob ending in '/' matches everything under that directory.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static Pattern compile(String glob) {
        if (glob.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        if (glob.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("use '/' as the separator, and no escapes");
        }
        if (glob.startsWith("/")) {
            throw new IllegalArgumentException("paths are relative to the repository root; drop the leading '/'");
        }
        String body = glob.endsWith("/") ? glob + "**" : glob;
        String[] segments = body.split("/", -1);
        StringBuilder regex = new StringBuilder();
        if (!glob.contains("/")) {
            regex.append("(?:[^/]+/)*");
        }
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("empty path segment ('//')");
            }
            if (segment.equals("..") || segment.equals(".")) {
                throw new IllegalArgumentException("'" + segment + "' segments are not allowed");
            }
            if (segment.equals("**")) {
                regex.append(last ? ".+" : "(?:[^/]+/)*");
                continue;
            }
            if (segment.contains("**")) {
                throw new IllegalArgumentException("'**' must be a whole path segment");
            }
            translate(segment, regex);
            if (!last) {
                regex.append('/');
            }
        }
        return Pattern.compile(regex.toString());
    }

    private static void translate(String segment, StringBuilder regex) {
        int i = 0;
        while (i < segment.length()) {
            char c = segment.charAt(i);
            switch (c) {
                case '*' -> regex.append("[^/]*");
                case '?' -> regex.append("[^/]");
                case '[' -> {
                    int close = segment.indexOf(']', i + 2);
                    if (close < 0) {
                        throw new IllegalArgumentException("unclosed '['");
                    }
                    String inside = segment.substring(i + 1, close);
                    regex.append('[');
                    if (inside.startsWith("!") || inside.startsWith("^")) {
                        regex.append('^');
                        inside = inside.substring(1);
                    }
                    if (inside.isEmpty()) {
                        throw new IllegalArgumentException("empty character class");
                    }
                    for (char member : inside.toCharArray()) {
                        if (member == '-' || Character.isLetterOrDigit(member)) {
                            regex.append(member);
                        } else {
                            regex.append('\\').append(member);
                        }
                    }
                    regex.append(']');
                    i = close;
                }
                case '{' -> {
                    int close = segment.indexOf('}', i + 1);
                    if (close < 0) {
                        throw new IllegalArgumentException("unclosed '{'");
                    }
                    String inside = segment.substring(i + 1, close);
                    if (inside.contains("{")) {
                        throw new IllegalArgumentException("nested '{' is not supported");
                    }
                    regex.append("(?:");
                    String[] alternatives = inside.split(",", -1);
                    for (int k = 0; k < alternatives.length; k++) {
                        if (k > 0) {
                            regex.append('|');
                        }
                        translate(alternatives[k], regex);
                    }
                    regex.append(')');
                    i = close;
                }
                case ']', '}' -> throw new IllegalArgumentException("unmatched '" + c + "'");
                default -> {
                    if (Character.isLetterOrDigit(c)) {
                        regex.append(c);
                    } else {
                        regex.append('\\').append(c);
                    }
                }
            }
            i++;
        }
    }
}
