package ai.magicode.appliance.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.web.SecurityHeaders;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The console's page and assets: content types, revalidation with ETags, the CSP, and no inline script. */
@RoutingTest
class ConsoleRoutesTest {
    private static final Path SOURCES = Path.of("src/main/resources/console");

    private static final AtomicBoolean SETUP_PENDING = new AtomicBoolean();

    private final DirectClient client;

    ConsoleRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.addFilter(new SecurityHeaders(false));
        routing.register("/", new ConsoleRoutes(true, "1.2.3-test", SETUP_PENDING::get));
    }

    @Test
    void servesThePageAtTheRootWithAStrictPolicy() {
        ClientResponseTyped<String> page = client.get("/").request(String.class);
        assertEquals(Status.OK_200, page.status());
        assertEquals(
                "text/html; charset=UTF-8",
                page.headers().first(HeaderNames.CONTENT_TYPE).orElseThrow());
        assertEquals(
                ConsoleRoutes.CACHE_CONTROL,
                page.headers().first(HeaderNames.CACHE_CONTROL).orElseThrow());
        String csp = page.headers()
                .first(HeaderNames.create("Content-Security-Policy"))
                .orElseThrow();
        assertTrue(csp.contains("script-src 'self';"), csp);
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertTrue(page.entity().contains("<script type=\"module\" src=\"/console/bundle.js\">"), page.entity());
        assertTrue(page.entity().contains("data-sso=\"true\""), "the page says whether SSO is configured");
        assertTrue(page.entity().contains("data-version=\"1.2.3-test\""), "the page carries the version");
    }

    @Test
    void pageOpensTheSetupWizardOnlyWhileSetupIsPending() {
        SETUP_PENDING.set(true);
        try {
            ClientResponseTyped<String> pending = client.get("/").request(String.class);
            assertTrue(pending.entity().contains("data-setup=\"pending\""), pending.entity());
            String etag = pending.headers().first(HeaderNames.ETAG).orElseThrow();
            SETUP_PENDING.set(false);
            ClientResponseTyped<String> done =
                    client.get("/").header(HeaderNames.IF_NONE_MATCH, etag).request(String.class);
            assertEquals(Status.OK_200, done.status(), "a cached pending page must not be reused after setup");
            assertTrue(done.entity().contains("data-setup=\"done\""), done.entity());
        } finally {
            SETUP_PENDING.set(false);
        }
    }

    @Test
    void servesEveryAssetWithItsTypeAndRevalidatesByEtag() {
        for (String name : ConsoleRoutes.ASSETS) {
            ClientResponseTyped<String> asset = client.get("/console/" + name).request(String.class);
            assertEquals(Status.OK_200, asset.status(), name);
            String type = asset.headers().first(HeaderNames.CONTENT_TYPE).orElseThrow();
            assertEquals(name.endsWith(".js") ? "text/javascript; charset=UTF-8" : "text/css; charset=UTF-8", type);
            String etag = asset.headers().first(HeaderNames.ETAG).orElseThrow();
            ClientResponseTyped<String> again = client.get("/console/" + name)
                    .header(HeaderNames.IF_NONE_MATCH, etag)
                    .request(String.class);
            assertEquals(Status.NOT_MODIFIED_304, again.status(), name);
            ClientResponseTyped<String> changed = client.get("/console/" + name)
                    .header(HeaderNames.IF_NONE_MATCH, "\"stale\"")
                    .request(String.class);
            assertEquals(Status.OK_200, changed.status(), name);
        }
    }

    @Test
    void answersUnknownAssetsWith404() {
        assertEquals(
                Status.NOT_FOUND_404,
                client.get("/console/nothing.js").request(String.class).status());
        assertEquals(
                Status.NOT_FOUND_404,
                client.get("/console/..%2Fmagicode-defaults.yaml")
                        .request(String.class)
                        .status());
    }

    @Test
    void assetListMatchesTheResourceDirectory() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            Set<String> onDisk = files.map(file -> file.getFileName().toString())
                    .filter(name -> !name.equals("index.html"))
                    .collect(Collectors.toSet());
            assertEquals(onDisk, Set.copyOf(ConsoleRoutes.ASSETS));
        }
    }

    @Test
    void pageHasNoInlineScriptOrStyleAndModulesNeverParseHtml() throws IOException {
        String html = Files.readString(SOURCES.resolve("index.html"));
        Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(html);
        while (scripts.find()) {
            assertTrue(scripts.group(1).contains("src="), "inline script: " + scripts.group());
        }
        assertFalse(Pattern.compile("\\son[a-z]+=").matcher(html).find(), "inline event handler");
        assertFalse(Pattern.compile("<style|\\sstyle=").matcher(html).find(), "inline style");
        // Everything users, GitHub or the API wrote is set as text; these would parse it as markup or code.
        List<String> forbidden = List.of("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
        for (String name : ConsoleRoutes.ASSETS) {
            String text = Files.readString(SOURCES.resolve(name));
            for (String sink : forbidden) {
                assertFalse(text.contains(sink), name + " uses " + sink);
            }
        }
    }

    @Test
    void servesEveryModuleJoinedInOneBundleThePageLoads() throws IOException {
        ClientResponseTyped<String> bundle = client.get("/console/bundle.js").request(String.class);
        assertEquals(Status.OK_200, bundle.status());
        assertEquals(
                "text/javascript; charset=UTF-8",
                bundle.headers().first(HeaderNames.CONTENT_TYPE).orElseThrow());
        String text = bundle.entity();
        // Every module is in it once, and no import or export is left for the browser to resolve.
        for (String name : ConsoleRoutes.ASSETS) {
            if (name.endsWith(".js")) {
                assertEquals(1, text.split("\n// --- " + Pattern.quote(name) + "\n", -1).length - 1, name);
            }
        }
        assertFalse(
                Pattern.compile("^\\s*(import|export)\\b", Pattern.MULTILINE)
                        .matcher(text)
                        .find(),
                text);
        // Dependencies come first; the entry module last.
        assertTrue(text.indexOf("// --- api.js") < text.indexOf("// --- login.js"));
        assertTrue(text.indexOf("// --- dom.js") < text.indexOf("// --- dashboard.js"));
        assertTrue(text.indexOf("// --- chart.js") < text.indexOf("// --- dashboard.js"));
        assertTrue(text.trim().endsWith("})();"));
        assertTrue(text.contains("const {api, ApiError, setCsrf} = module_api;"), "app.js's import, rewritten");
        assertTrue(text.contains("const dashboard = module_dashboard;"), "a namespace import, rewritten");
        String html = Files.readString(SOURCES.resolve("index.html"));
        assertTrue(html.contains("<script type=\"module\" src=\"/console/bundle.js\"></script>"), html);
    }

    @Test
    void bundlerJoinsModulesInDependencyOrderAndRefusesWhatItDoesNotKnow() {
        java.util.Map<String, String> modules = java.util.Map.of(
                "main.js",
                        "import {a} from './lib.js';\nimport * as page from './page.js';\nconsole.log(a(), page.b);\n",
                "page.js", "import {a} from './lib.js';\nexport async function b() { return a(); }\n",
                "lib.js", "let count = 0;\nexport function a() { return ++count; }\nexport class C {}\n");
        String joined = ConsoleBundle.of("main.js", modules::get);
        assertTrue(joined.indexOf("// --- lib.js") < joined.indexOf("// --- page.js"), joined);
        assertTrue(joined.indexOf("// --- page.js") < joined.indexOf("// --- main.js"), joined);
        assertEquals(1, joined.split("// --- lib.js", -1).length - 1, "a module shared by two is in once");
        assertTrue(joined.contains("const module_lib = (() => {\nlet count = 0;\nfunction a()"), joined);
        assertTrue(joined.contains("return {a, C};"), joined);
        assertTrue(joined.contains("async function b()"), joined);
        assertTrue(joined.contains("const page = module_page;"), joined);
        IllegalStateException unknown = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class,
                () -> ConsoleBundle.of(
                        "main.js", java.util.Map.of("main.js", "export default function x() {}\n")::get));
        assertTrue(unknown.getMessage().contains("export default"), unknown.getMessage());
        IllegalStateException cycle = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class,
                () -> ConsoleBundle.of(
                        "a.js",
                        java.util.Map.of(
                                "a.js", "import {b} from './b.js';\n",
                                "b.js", "import {a} from './a.js';\nexport function b() {}\n")::get));
        assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
    }
}
