package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console browser tests' shared fixture: headless Debian chromium through chromium-driver (the flags of
 * DESIGN.md, a fresh profile), waits on the page drawn and on text, axe-core's serious violations, screenshots, and
 * first-run setup through the API. {@link #axeSource} and {@link #seriousViolations} also serve the Firefox test.
 */
final class ConsoleBrowser implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static final String AXE = "META-INF/resources/webjars/axe-core/4.6.3/axe.min.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChromeDriver driver;
    private final WebDriverWait wait;

    private ConsoleBrowser(ChromeDriver driver, Duration timeout) {
        this.driver = driver;
        this.wait = new WebDriverWait(driver, timeout);
    }

    /** Skips the calling test without chromium (fails instead under {@code MAGICODE_TEST_REQUIRE}). */
    static void require() {
        TestRequirements.require(
                "chromium",
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the console's browser tests drive Debian's chromium and chromium-driver");
    }

    /** Starts headless chromium with a fresh profile under {@code profile}; waits last up to {@code timeout}. */
    static ConsoleBrowser start(Path profile, Duration timeout) {
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        "--window-size=1280,1000",
                        "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ConsoleBrowser(new ChromeDriver(service, options), timeout);
    }

    ChromeDriver driver() {
        return driver;
    }

    WebDriverWait await() {
        return wait;
    }

    /** Waits until the console has drawn page {@code id} and the address shows it. */
    void page(String id) {
        wait.until(browser -> id.equals(browser.findElement(By.id("main")).getDomAttribute("data-page"))
                && browser.getCurrentUrl().endsWith("#/" + id));
    }

    /**
     * Clicks the element {@code locator} finds, finding it again while the console redraws it: Chromium may report
     * a node replaced between the look-up and the click as stale, or as a node that "does not belong to the
     * document".
     */
    void click(By locator) {
        wait.until(browser -> {
            try {
                browser.findElement(locator).click();
                return true;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return false;
            } catch (org.openqa.selenium.WebDriverException e) {
                if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                    return false;
                }
                throw e;
            }
        });
    }

    void waitForText(By locator, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(locator, text));
    }

    /** Saves the window as {@code target/console-screenshots/NAME.png}. */
    void screenshot(String name) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.createDirectories(SCREENSHOTS);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** axe-core's serious and critical violations on the page drawn, as "rule: targets" lines; empty when none. */
    String serious(String axe) throws IOException {
        driver.executeScript(axe);
        Object result = driver.executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        axe.run(document, {resultTypes: ['violations']})
                          .then((r) => done(JSON.stringify(r.violations)), (e) => done('error: ' + e));
                        """);
        return seriousViolations(String.valueOf(result));
    }

    /** The serious and critical entries of axe-core's violations (as JSON), one "rule (impact): targets" a line. */
    static String seriousViolations(String violations) throws IOException {
        assertFalse(violations.startsWith("error:"), violations);
        StringBuilder out = new StringBuilder();
        for (JsonNode violation : JSON.readTree(violations)) {
            String impact = violation.path("impact").asText();
            if (impact.equals("serious") || impact.equals("critical")) {
                List<String> targets = new ArrayList<>();
                violation
                        .path("nodes")
                        .forEach(n -> targets.add(n.path("target").toString()));
                out.append(violation.path("id").asText())
                        .append(" (")
                        .append(impact)
                        .append("): ")
                        .append(targets)
                        .append('\n');
            }
        }
        return out.toString();
    }

    /** axe-core from its WebJar on the test class path (injected by the tests, never served by the appliance). */
    static String axeSource() throws IOException {
        try (InputStream in = ConsoleBrowser.class.getClassLoader().getResourceAsStream(AXE)) {
            assertTrue(in != null, "the axe-core WebJar is not on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
