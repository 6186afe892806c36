package ai.magicode.appliance;

import ai.magicode.appliance.web.Access;
import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.Map;
import java.util.TreeMap;

/** The {@code /api/v1} routes an appliance registers, as {@code METHOD path} with each one's access rule. */
final class ApiRoutes {
    private ApiRoutes() {}

    /** Records the routes of {@link Appliance#api} instead of serving them; fails for a route without an access rule. */
    static Map<String, Access> of(Appliance appliance) {
        Map<String, Access> routes = new TreeMap<>();
        appliance.api(new Recording("", routes));
        return routes;
    }

    private record Recording(String prefix, Map<String, Access> routes) implements HttpRules {
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
            if (!(handler instanceof Access access)) {
                throw new AssertionError(
                        route + " declares no access rule: wrap its handler in Access.roles/authenticated/open");
            }
            routes.put(route, access);
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            throw new AssertionError(
                    "register API routes with a method and a path pattern, so that they can be checked");
        }
    }
}
