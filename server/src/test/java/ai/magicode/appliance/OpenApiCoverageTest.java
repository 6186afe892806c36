package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.magicode.appliance.config.ApplianceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Every {@code /api/v1} route the appliance registers declares its access rule and is described in
 * {@code META-INF/openapi.yaml}, and nothing else is described.
 */
class OpenApiCoverageTest {
    @TempDir
    Path dataDir;

    @Test
    void everyApiRouteIsDescribedAndEveryDescribedRouteExists() throws IOException {
        Set<String> registered = new TreeSet<>();
        try (Appliance appliance = Appliance.create(
                ApplianceConfig.load(Optional.empty(), Map.of("MAGICODE_DATA_DIR", dataDir.toString())))) {
            registered.addAll(ApiRoutes.of(appliance).keySet());
        }
        assertEquals(described(), registered);
    }

    private static Set<String> described() throws IOException {
        try (InputStream in = OpenApiCoverageTest.class.getResourceAsStream("/META-INF/openapi.yaml")) {
            Map<String, Object> document = new Yaml().load(in);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
            Set<String> operations = new TreeSet<>();
            paths.forEach((path, item) -> {
                if (path.startsWith("/api/v1")) {
                    item.keySet().forEach(method -> operations.add(method.toUpperCase(Locale.ROOT) + " " + path));
                }
            });
            return operations;
        }
    }
}
