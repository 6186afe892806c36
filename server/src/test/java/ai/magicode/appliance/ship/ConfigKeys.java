package ai.magicode.appliance.ship;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.Yaml;

/** The appliance's configuration keys, read from the schema in magicode-defaults.yaml, and their env names. */
final class ConfigKeys {
    private ConfigKeys() {}

    static Set<String> fromDefaults() {
        try (InputStream in = ConfigKeys.class.getResourceAsStream("/magicode-defaults.yaml")) {
            Set<String> keys = new TreeSet<>();
            flatten("", new Yaml().load(in), keys);
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code github.webhook-secret-file} → {@code MAGICODE_GITHUB_WEBHOOK_SECRET_FILE}. */
    static String envName(String key) {
        return "MAGICODE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static void flatten(String prefix, Object node, Set<String> out) {
        if (node instanceof Map<?, ?> map) {
            for (var entry : map.entrySet()) {
                flatten(
                        prefix.isEmpty() ? entry.getKey().toString() : prefix + "." + entry.getKey(),
                        entry.getValue(),
                        out);
            }
        } else {
            out.add(prefix);
        }
    }
}
