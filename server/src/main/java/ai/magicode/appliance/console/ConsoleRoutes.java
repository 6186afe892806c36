package ai.magicode.appliance.console;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The admin console's static assets, read once from the jar ({@code console/} on the class path): the
 * page at {@code /} (which opens the setup wizard while first-run setup is pending) and its ES modules and style sheet at {@code /console/NAME}, with the modules also joined into one ({@code /console/bundle.js}, which the page loads). Every answer carries a
 * strong ETag and {@code Cache-Control: no-cache}, so browsers revalidate cheaply (304) and never run a
 * stale module after an upgrade. The page is plain HTML with no inline script or style, which the
 * strict Content-Security-Policy of {@code web.SecurityHeaders} requires.
 */
public final class ConsoleRoutes implements HttpService {
    /** The assets under {@code /console/}; a test holds this list in step with the resource directory. */
    static final List<String> ASSETS = List.of(
            "console.css",
            "api.js",
            "dom.js",
            "app.js",
            "login.js",
            "setup.js",
            "dashboard.js",
            "repos.js",
            "jobs.js",
            "policies.js",
            "models.js",
            "chart.js",
            "usage.js",
            "audit.js",
            "secrets.js",
            "tokens.js",
            "tenants.js",
            "users.js",
            "system.js",
            "privacy.js",
            "mydata.js");

    /** The modules joined at start ({@link ConsoleBundle}): what the page loads, one request for the whole graph. */
    static final String BUNDLE = "bundle.js";

    static final String CACHE_CONTROL = "no-cache";
    private static final String RESOURCE_DIR = "/console/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "svg", "image/svg+xml");

    /** One asset, ready to send. */
    record Asset(byte[] body, String contentType, String etag) {}

    private final Asset page;
    private final Asset setupPage;
    private final BooleanSupplier setupPending;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    /**
     * Loads the assets.
     *
     * @param ssoConfigured whether an OIDC provider is configured, so the login page offers single sign-on
     * @param version the appliance's version, shown in the page footer
     * @param setupPending whether first-run setup is still to be done, so the page opens the setup wizard
     */
    public ConsoleRoutes(boolean ssoConfigured, String version, BooleanSupplier setupPending) {
        String html = new String(read("index.html"), StandardCharsets.UTF_8)
                .replace("data-sso=\"false\"", "data-sso=\"" + ssoConfigured + "\"")
                .replace("data-version=\"\"", "data-version=\"" + attribute(version) + "\"");
        this.page = asset("index.html", html.getBytes(StandardCharsets.UTF_8));
        this.setupPage = asset(
                "index.html",
                html.replace("data-setup=\"done\"", "data-setup=\"pending\"").getBytes(StandardCharsets.UTF_8));
        this.setupPending = setupPending;
        for (String name : ASSETS) {
            assets.put(name, asset(name, read(name)));
        }
        assets.put(
                BUNDLE,
                asset(
                        BUNDLE,
                        ConsoleBundle.of(
                                        "app.js",
                                        name -> new String(assets.get(name).body(), StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::page)
                .head("/", this::page)
                // Where GitHub sends the admin back after creating the App from its manifest; the wizard finishes
                // there.
                .get("/setup/github-app", this::page)
                .get("/console/{name}", this::asset)
                .head("/console/{name}", this::asset);
    }

    private void page(ServerRequest req, ServerResponse res) {
        send(req, res, setupPending.getAsBoolean() ? setupPage : page);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        Optional<Asset> asset =
                Optional.ofNullable(assets.get(req.path().pathParameters().get("name")));
        if (asset.isEmpty()) {
            res.status(Status.NOT_FOUND_404).header(HeaderNames.CACHE_CONTROL, CACHE_CONTROL);
            res.send();
            return;
        }
        send(req, res, asset.get());
    }

    private static void send(ServerRequest req, ServerResponse res, Asset asset) {
        res.header(HeaderNames.CACHE_CONTROL, CACHE_CONTROL).header(HeaderNames.ETAG, asset.etag());
        boolean fresh = req.headers()
                .first(HeaderNames.IF_NONE_MATCH)
                .map(tags -> List.of(tags.split("\\s*,\\s*")).contains(asset.etag()))
                .orElse(false);
        if (fresh) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, asset.contentType());
        res.send(asset.body());
    }

    private static Asset asset(String name, byte[] body) {
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        if (type == null) {
            throw new IllegalStateException("no content type for console asset " + name);
        }
        return new Asset(body, type, "\"" + sha256(body).substring(0, 32) + "\"");
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("the console asset " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console asset " + name, e);
        }
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String attribute(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }
}
