package ai.magicode.appliance.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Flat key/value view of the layered configuration: defaults from the jar's {@code magicode-defaults.yaml},
 * then an operator's file, then {@code MAGICODE_…} environment variables, each value remembering where
 * it came from so that an error can say so.
 */
final class ConfigValues {
    static final String ENV_PREFIX = "MAGICODE_";

    /** Short environment names promised by the contract in DESIGN.md, besides the derived ones. */
    private static final Map<String, String> ENV_ALIASES = Map.of("MAGICODE_PORT", "server.port");

    private record Value(String text, String source) {}

    private final Map<String, Value> values;

    private ConfigValues(Map<String, Value> values) {
        this.values = values;
    }

    static ConfigValues load(Optional<Path> file, Map<String, String> env) {
        Map<String, Value> merged = new TreeMap<>();
        flatten("", readDefaults(), "defaults").forEach((k, v) -> merged.put(k, new Value(v, "defaults")));
        file.ifPresent(path -> {
            String source = "file " + path;
            flatten("", readFile(path), source).forEach((key, text) -> {
                if (!merged.containsKey(key)) {
                    throw unknownKey(key, source, merged.keySet());
                }
                merged.put(key, new Value(text, source));
            });
        });
        Map<String, String> envToKey = new LinkedHashMap<>();
        for (String key : merged.keySet()) {
            envToKey.put(envName(key), key);
        }
        envToKey.putAll(ENV_ALIASES);
        envToKey.forEach((envName, key) -> {
            String text = env.get(envName);
            if (text != null) {
                merged.put(key, new Value(text, "environment variable " + envName));
            }
        });
        return new ConfigValues(merged);
    }

    /** {@code github.webhook-secret-file} → {@code MAGICODE_GITHUB_WEBHOOK_SECRET_FILE}. */
    static String envName(String key) {
        return ENV_PREFIX + key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** Every key this build knows, in order. */
    List<String> keys() {
        return List.copyOf(values.keySet());
    }

    String string(String key) {
        return value(key).text().trim();
    }

    Optional<String> optionalString(String key) {
        String text = string(key);
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    Optional<Path> optionalPath(String key) {
        return optionalString(key).map(text -> path(key, text));
    }

    Path path(String key) {
        String text = string(key);
        if (text.isEmpty()) {
            throw invalid(key, "a file system path");
        }
        return path(key, text);
    }

    private Path path(String key, String text) {
        try {
            return Path.of(text);
        } catch (RuntimeException e) {
            throw invalid(key, "a file system path");
        }
    }

    long integer(String key, long min, long max) {
        String text = string(key);
        try {
            long number = Long.parseLong(text);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        throw invalid(key, "an integer from " + min + " to " + max);
    }

    boolean bool(String key) {
        return switch (string(key).toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, "true or false");
        };
    }

    Duration duration(String key, Duration min, Duration max) {
        String text = string(key);
        try {
            Duration duration = Duration.parse(text);
            if (duration.compareTo(min) >= 0 && duration.compareTo(max) <= 0) {
                return duration;
            }
        } catch (DateTimeParseException e) {
            // reported below with the expected form
        }
        throw invalid(key, "an ISO-8601 duration from " + min + " to " + max + " (e.g. PT10S)");
    }

    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String text = string(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().replace('_', '-').equalsIgnoreCase(text)) {
                return constant;
            }
        }
        String allowed = List.of(type.getEnumConstants()).stream()
                .map(e -> e.name().replace('_', '-').toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw invalid(key, "one of: " + allowed);
    }

    ConfigException invalid(String key, String expected) {
        Value value = value(key);
        return new ConfigException(
                key,
                key + " = \"" + printable(value.text()) + "\" (from " + value.source() + "): expected " + expected);
    }

    private Value value(String key) {
        Value value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no default for configuration key " + key);
        }
        return value;
    }

    private static String printable(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 80 ? oneLine.substring(0, 80) + "…" : oneLine;
    }

    private static Map<String, Object> readDefaults() {
        try (InputStream in = ConfigValues.class.getResourceAsStream("/magicode-defaults.yaml")) {
            if (in == null) {
                throw new IllegalStateException("magicode-defaults.yaml is missing from the jar");
            }
            return parse(new java.io.InputStreamReader(in, StandardCharsets.UTF_8), "magicode-defaults.yaml");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read magicode-defaults.yaml from the jar", e);
        }
    }

    private static Map<String, Object> readFile(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new ConfigException("config", "configuration file " + path + " does not exist or is not a file");
        }
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return parse(reader, "file " + path);
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read configuration file " + path + ": " + e.getMessage());
        }
    }

    private static Map<String, Object> parse(Reader reader, String source) {
        Object document;
        try {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (YAMLException e) {
            String where = e.getMessage() == null
                    ? ""
                    : ": " + e.getMessage().lines().findFirst().orElse("");
            throw new ConfigException("config", source + " is not valid YAML" + where);
        }
        if (document == null) {
            return Map.of();
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new ConfigException("config", source + " must be a YAML mapping of keys to values");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) map;
        return typed;
    }

    private static Map<String, String> flatten(String prefix, Map<?, ?> map, String source) {
        Map<String, String> flat = new LinkedHashMap<>();
        map.forEach((name, value) -> {
            String key = prefix + name;
            switch (value) {
                case Map<?, ?> nested -> flat.putAll(flatten(key + ".", nested, source));
                case List<?> list ->
                    throw new ConfigException(key, key + " in " + source + ": expected a single value, got a list");
                case null -> flat.put(key, "");
                default -> flat.put(key, String.valueOf(value));
            }
        });
        return flat;
    }

    private static ConfigException unknownKey(String key, String source, java.util.Set<String> known) {
        String section = key.contains(".") ? key.substring(0, key.indexOf('.') + 1) : "";
        String siblings = known.stream()
                .filter(k -> !section.isEmpty() && k.startsWith(section))
                .collect(Collectors.joining(", "));
        return new ConfigException(
                key,
                "unknown configuration key " + key + " in " + source
                        + (siblings.isEmpty()
                                ? ""
                                : "; keys of section " + section.replaceAll("\\.$", "") + ": " + siblings));
    }
}
