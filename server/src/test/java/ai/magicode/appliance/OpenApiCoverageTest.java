package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.web.Access;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
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
            appliance.api(new Recording("", registered));
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

    /** Records {@code METHOD path} for each route instead of serving it. */
    private record Recording(String prefix, Set<String> routes) implements HttpRules {
        @Override
        public HttpRules register(HttpService... services) {
            for (HttpService service : services) {
                service.routing(this);
            }
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            Recording nested = new Recording(prefix + pathPattern, routes);
            for (HttpService service : services) {
                service.routing(nested);
            }
            return this;
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Handler handler) {
            String route = method.text() + " " + prefix + pathPattern;
            if (!(handler instanceof Access)) {
                throw new AssertionError(
                        route + " declares no access rule: wrap its handler in Access.roles/authenticated/open");
            }
            routes.add(route);
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            throw new AssertionError(
                    "register API routes with a method and a path pattern, so that they can be checked");
        }
    }
}
