package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in Firefox (Debian's {@code firefox-esr}, headless, driven over WebDriver BiDi by {@link FirefoxBidi}
 * since geckodriver is not available): the local sign-in form, then every page as the first administrator (superadmin
 * and admin), each drawing its heading and content with no console error, no uncaught exception, no
 * Content-Security-Policy violation and no serious axe-core violation; and one interaction, a policy dry run from its
 * form.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleFirefoxIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "correct horse battery staple";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every console page with the heading it draws. */
    private static final Map<String, String> PAGES = new LinkedHashMap<>();

    static {
        PAGES.put("dashboard", "Dashboard");
        PAGES.put("repos", "Repositories");
        PAGES.put("jobs", "Jobs");
        PAGES.put("policies", "Routing policy");
        PAGES.put("models", "Providers and models");
        PAGES.put("usage", "Usage");
        PAGES.put("audit", "Audit log");
        PAGES.put("secrets", "Secrets");
        PAGES.put("users", "Users and roles");
        PAGES.put("tokens", "API tokens");
        PAGES.put("tenants", "Tenants");
        PAGES.put("system", "System");
        PAGES.put("privacy", "Privacy");
    }

    @TempDir
    static Path dir;

    private static Appliance appliance;
    private static URI base;
    private static FirefoxBidi firefox;

    @BeforeAll
    static void start() throws Exception {
        TestRequirements.require(
                "firefox",
                Files.isExecutable(FirefoxBidi.FIREFOX),
                "the console must work in Firefox: Debian's firefox-esr, driven over WebDriver BiDi");
        appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of(
                        "MAGICODE_DATA_DIR", dir.resolve("data").toString(),
                        "MAGICODE_SERVER_PORT", "0",
                        "MAGICODE_SERVER_HOST", "127.0.0.1",
                        "MAGICODE_INDEX_EMBEDDINGS", "none")));
        base = URI.create("http://127.0.0.1:" + appliance.start().port());
        ApiSession.setUp(base, dir.resolve("data"), "admin", PASSWORD, "acme");
        firefox = FirefoxBidi.start(dir.resolve("firefox-profile"), WAIT);
    }

    @AfterAll
    static void stop() throws Exception {
        if (firefox != null) {
            firefox.close();
        }
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void signsInAndDrawsEveryPageWithoutErrorsOrCspViolations() throws Exception {
        assertTrue(firefox.version().contains("Firefox/"), firefox.version());
        firefox.navigate(base + "/");
        firefox.waitUntil("document.getElementById('main').dataset.page === 'login'", "the sign-in page");
        // The form as a user fills it: values typed into the fields, then submitted.
        firefox.evaluate("""
                (() => {
                  const set = (id, value) => {
                    const input = document.getElementById(id);
                    input.value = value;
                    input.dispatchEvent(new Event('input', {bubbles: true}));
                  };
                  set('f-username', 'admin');
                  set('f-password', %s);
                  document.getElementById('login-form').requestSubmit();
                  return true;
                })()""".formatted(JSON.writeValueAsString(PASSWORD)));
        firefox.waitUntil("document.getElementById('main').dataset.page === 'dashboard'", "the dashboard");
        assertEquals(
                "admin",
                firefox.evaluate("document.getElementById('who-name').textContent.split(' ')[0].replace('local:', '')")
                        .asText());

        // axe-core, once for the document (the pages change by hash, in the same document).
        firefox.run(ConsoleBrowser.axeSource());
        for (var page : PAGES.entrySet()) {
            String id = page.getKey();
            firefox.evaluate("(location.hash = '#/" + id + "', true)");
            firefox.waitUntil(
                    "document.getElementById('main').dataset.page === '" + id + "' && location.hash === '#/" + id + "'",
                    "the " + id + " page");
            JsonNode drawn = firefox.evaluate("""
                    (() => {
                      const main = document.getElementById('main');
                      return {
                        heading: (main.querySelector('h1') || {}).textContent,
                        content: main.querySelectorAll('table, form, dl, figure, p, ul').length,
                        text: main.textContent,
                        current: (document.querySelector('nav a[aria-current=page]') || {}).textContent,
                      };
                    })()""");
            assertEquals(page.getValue(), drawn.path("heading").asText(), id);
            assertTrue(drawn.path("content").asInt() > 0, id + " draws no content: " + drawn);
            assertFalse(drawn.path("text").asText().contains("Something went wrong in the console"), id + ": " + drawn);
            assertFalse(drawn.path("text").asText().contains("Not allowed for your role"), id + ": " + drawn);
            assertFalse(drawn.path("current").asText().isEmpty(), id + " is not marked current in the navigation");
            assertEquals(List.of(), firefox.errors(), "console errors after the " + id + " page");
            assertEquals(
                    "",
                    ConsoleBrowser.seriousViolations(firefox.evaluate(
                                    "axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations)")
                            .toString()),
                    "axe-core on " + id + " in Firefox");
            assertEquals("[]", firefox.evaluate("window.cspViolations").toString(), "CSP violations on " + id);
        }
    }

    @Test
    @Order(2)
    void runsAPolicyDryRunFromTheForm() throws Exception {
        firefox.evaluate("(location.hash = '#/policies', true)");
        firefox.waitUntil("document.getElementById('main').dataset.page === 'policies'", "the policies page");
        firefox.evaluate("""
                (() => {
                  document.getElementById('f-dry-repo').value = 'acme/shop';
                  document.getElementById('f-dry-prompt').value = 'Fix the rounding of invoice totals';
                  document.querySelector('#dry-run-form button[type=submit]').click();
                  return true;
                })()""");
        firefox.waitUntil("document.getElementById('dry-run-decision') !== null", "the dry run's decision");
        JsonNode result = firefox.evaluate("""
                ({decision: document.getElementById('dry-run-decision').textContent,
                  facts: document.getElementById('dry-run-facts').textContent})""");
        assertFalse(result.path("decision").asText().isBlank(), result.toString());
        assertTrue(result.path("facts").asText().contains("Policy version"), result.toString());
        assertEquals(List.of(), firefox.errors(), "console errors after the dry run");
        assertEquals("[]", firefox.evaluate("window.cspViolations").toString(), "CSP violations after the dry run");
    }

    @Test
    @Order(3)
    void theChecksSeeAConsoleErrorAndACspViolation() throws Exception {
        // The checks above could fail: a console error and a blocked inline script are reported.
        firefox.evaluate("""
                (() => {
                  console.error('probe from the test');
                  const script = document.createElement('script');
                  script.textContent = 'window.inlineRan = true;';
                  document.body.append(script);
                  return true;
                })()""");
        firefox.waitUntil("window.cspViolations.length > 0", "the CSP violation event");
        assertTrue(firefox.evaluate("window.cspViolations[0]").asText().startsWith("script-src"));
        assertTrue(firefox.evaluate("window.inlineRan === undefined").asBoolean(), "the inline script ran");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (firefox.errors().stream().noneMatch(error -> error.contains("probe from the test"))) {
            assertTrue(System.nanoTime() < deadline, "the console error never arrived: " + firefox.errors());
            java.util.concurrent.locks.LockSupport.parkNanos(
                    Duration.ofMillis(20).toNanos());
        }
    }
}
