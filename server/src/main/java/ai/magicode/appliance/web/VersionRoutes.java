package ai.magicode.appliance.web;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;

/** {@code GET /api/v1/version}: which build is answering, for the console and support. */
public final class VersionRoutes implements HttpService {
    private final String version;
    private final int schemaVersion;

    public VersionRoutes(String version, int schemaVersion) {
        this.version = version;
        this.schemaVersion = schemaVersion;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/version", Access.open(this::version));
    }

    private void version(ServerRequest req, ServerResponse res) {
        res.send(Map.of("version", version, "storeSchemaVersion", schemaVersion));
    }
}
