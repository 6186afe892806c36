package ai.magicode.appliance.web;

import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Duration;
import java.util.List;

/**
 * Records every HTTP exchange as {@code http_server_requests_seconds} with method, status and area
 * (api, webhooks, observe, openapi, console) tags. The area stands in for the route so that paths with
 * ids in them cannot blow up the number of series.
 */
public final class HttpMetrics implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        String method = req.prologue().method().text();
        String area = area(req.path().path());
        // Recorded when sent, so that answers written by the error handler carry their final status.
        res.whenSent(
                () -> timer(method, res.status().code(), area).record(Duration.ofNanos(System.nanoTime() - start)));
        chain.proceed();
    }

    static String area(String path) {
        for (String area : List.of("api", "webhooks", "observe", "openapi")) {
            if (path.equals("/" + area) || path.startsWith("/" + area + "/")) {
                return area;
            }
        }
        return "console";
    }

    private static Timer timer(String method, int status, String area) {
        return Metrics.globalRegistry()
                .getOrCreate(Timer.builder("http.server.requests")
                        .description("HTTP requests answered by the appliance")
                        .tags(List.of(
                                Tag.create("method", method),
                                Tag.create("status", Integer.toString(status)),
                                Tag.create("area", area))));
    }
}
