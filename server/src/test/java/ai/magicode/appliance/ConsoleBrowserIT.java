package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console in a real browser (Debian's headless chromium) against a running appliance: the
 * setup wizard opening by itself on first start (a wrong token, then the right one; afterwards the
 * console opens sign-in), local sign-in, storing, replacing and deleting secrets
 * whose values never reach the page, an API token with a hostile name rendered as text and shown once, the audit log
 * listing what was just done, tenants, an expired session sent back to sign-in, and signing out.
 */
class ConsoleBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String PASSWORD = "correct horse battery staple";
    private static final String HOSTILE = "<img src=x onerror=\"document.title='pwned'\">";
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");

    @TempDir
    static Path dataDir;

    @TempDir
    static Path profile;

    private static Appliance appliance;
    private static String base;
    private static ConsoleBrowser chrome;
    private static WebDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() {
        ConsoleBrowser.require();
        appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of(
                        "MAGICODE_DATA_DIR", dataDir.toString(),
                        "MAGICODE_SERVER_PORT", "0",
                        "MAGICODE_SERVER_HOST", "127.0.0.1")));
        base = "http://127.0.0.1:" + appliance.start().port();
        chrome = ConsoleBrowser.start(profile, WAIT);
        browser = chrome.driver();
        wait = chrome.await();
    }

    @AfterAll
    static void stop() {
        if (chrome != null) {
            chrome.close();
        }
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void walksSetupSignsInStoresASecretAndSeesItAudited() throws IOException {
        // First start: the console opens the setup wizard by itself.
        browser.get(base + "/");
        page("setup");
        screenshot("setup");

        // Setup wizard: a wrong token refused by the server, a client-side check, then the right token.
        setupStep(1, Map.of("token", "not-the-token"));
        setupStep(2, Map.of("username", "admin", "password", PASSWORD, "repeat", PASSWORD));
        setupStep(3, Map.of("tenant", "Not Valid"));
        waitForText(By.id("setup-status"), "lower-case letters");
        setupStep(3, Map.of("tenant", "acme"));
        waitForText(By.id("setup-status"), "setup token is wrong");
        assertEquals("1", browser.findElement(By.id("setup-form")).getDomAttribute("data-step"));
        screenshot("setup-wrong-token");
        setupStep(
                1,
                Map.of("token", Files.readString(dataDir.resolve("setup-token")).trim()));
        setupStep(2, Map.of("password", PASSWORD, "repeat", PASSWORD));
        setupStep(3, Map.of());
        // The wizard signed the administrator in and goes on; this appliance has no GitHub server: skip to the end.
        for (int step = 4; step <= 6; step++) {
            String expected = String.valueOf(step);
            wait.until(driver ->
                    expected.equals(driver.findElement(By.id("setup-form")).getDomAttribute("data-step")));
            browser.findElement(By.id("setup-skip")).click();
        }
        waitForText(By.id("setup"), "Setup is done");
        waitForText(By.id("setup-checks"), "Appliance health");
        assertTrue(browser.findElement(By.id("setup-checks")).getText().contains("No GitHub App yet"));
        screenshot("setup-done");
        browser.findElement(By.id("setup-dashboard")).click();
        page("dashboard");
        browser.findElement(By.id("sign-out")).click();

        // Sign in with the new administrator (the wizard remembered the name).
        page("login");
        assertTrue(browser.findElements(By.id("sso")).isEmpty(), "no SSO link without an OIDC provider");
        screenshot("login");
        assertEquals("admin", browser.findElement(By.id("f-username")).getDomProperty("value"));
        browser.findElement(By.id("f-password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        page("dashboard");
        waitForText(By.id("health-status"), "Overall: UP");
        assertTrue(browser.findElement(By.id("version")).getText().contains(Appliance.version()));
        assertTrue(browser.findElement(By.id("who-name")).getText().contains("local:admin"));
        screenshot("dashboard");

        // A secret: stored, listed by name and fingerprint, its value never in the page.
        String canary = "canary-" + UUID.randomUUID();
        browser.findElement(By.linkText("Secrets")).click();
        page("secrets");
        browser.findElement(By.id("f-name")).sendKeys("github-webhook");
        browser.findElement(By.id("f-value")).sendKeys(canary);
        browser.findElement(By.cssSelector("#secret-form button[type=submit]")).click();
        waitForText(By.id("secrets-status"), "Stored github-webhook version 1");
        waitForText(By.id("secrets-list"), "github-webhook");
        assertFalse(browser.getPageSource().contains(canary), "a secret value reached the page");
        assertEquals("", browser.findElement(By.id("f-value")).getDomProperty("value"));
        browser.findElement(By.cssSelector("button.replace[data-secret=github-webhook]"))
                .click();
        assertEquals("github-webhook", browser.findElement(By.id("f-name")).getDomProperty("value"));
        browser.findElement(By.id("f-value")).sendKeys(canary + "-2");
        browser.findElement(By.cssSelector("#secret-form button[type=submit]")).click();
        waitForText(By.id("secrets-status"), "Stored github-webhook version 2");
        browser.findElement(By.id("f-name")).sendKeys("scratch");
        browser.findElement(By.id("f-value")).sendKeys(canary);
        browser.findElement(By.cssSelector("#secret-form button[type=submit]")).click();
        waitForText(By.id("secrets-status"), "Stored scratch version 1");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.delete[data-secret=scratch]")))
                .click();
        waitForText(By.cssSelector("button.delete[data-secret=scratch]"), "Really delete scratch?")
                .click();
        waitForText(By.id("secrets-status"), "Deleted scratch.");
        wait.until(
                driver -> !driver.findElement(By.id("secrets-list")).getText().contains("scratch"));
        assertFalse(browser.getPageSource().contains(canary), "a secret value reached the page");
        screenshot("secrets");

        // An API token with a hostile name: rendered as text, its secret shown once.
        browser.findElement(By.linkText("API tokens")).click();
        page("tokens");
        browser.findElement(By.id("f-name")).sendKeys(HOSTILE);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        WebElement shown = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-token-value")));
        String token = shown.getDomProperty("value");
        assertTrue(token.startsWith("mgc_"), "the new token is shown");
        waitForText(By.id("tokens-list"), HOSTILE);
        assertTrue(browser.findElements(By.cssSelector("main img")).isEmpty(), "a token name became markup");
        assertFalse(browser.getTitle().contains("pwned"), "a token name ran as script");
        screenshot("tokens");
        browser.findElement(By.linkText("Dashboard")).click();
        page("dashboard");
        browser.findElement(By.linkText("API tokens")).click();
        page("tokens");
        waitForText(By.id("tokens-list"), HOSTILE);
        assertFalse(browser.getPageSource().contains(token), "a token is shown only once");

        // The audit log lists what just happened; a filter narrows it; exports keep the filter.
        browser.findElement(By.linkText("Audit log")).click();
        page("audit");
        WebElement entries = waitForText(By.id("audit-results"), "secret.create");
        for (String action :
                List.of("auth.setup", "auth.login.local", "secret.replace", "secret.delete", "auth.token.create")) {
            assertTrue(entries.getText().contains(action), action + " missing from the audit page");
        }
        assertFalse(browser.getPageSource().contains(canary), "a secret value reached the audit page");
        screenshot("audit");
        browser.findElement(By.id("f-action")).sendKeys("secret.create");
        browser.findElement(By.cssSelector("#audit-filters button[type=submit]"))
                .click();
        wait.until(
                driver -> !driver.findElement(By.id("audit-results")).getText().contains("auth.setup"));
        assertTrue(browser.findElement(By.id("audit-results")).getText().contains("github-webhook"));
        assertTrue(browser.findElement(By.id("export-csv"))
                .getDomAttribute("href")
                .contains("action=secret.create&format=csv"));

        // Tenants (superadmin): create, disable, and a refused duplicate shows the server's detail.
        browser.findElement(By.linkText("Tenants")).click();
        page("tenants");
        waitForText(By.id("tenants-list"), "acme");
        browser.findElement(By.id("f-name")).sendKeys("beta");
        browser.findElement(By.cssSelector("#tenant-form button[type=submit]")).click();
        waitForText(By.id("tenants-status"), "Created beta.");
        browser.findElement(By.cssSelector("button[data-tenant=beta]")).click();
        waitForText(By.id("tenants-status"), "Disabled beta.");
        waitForText(By.id("tenants-list"), "disabled");
        browser.findElement(By.id("f-name")).sendKeys("beta");
        browser.findElement(By.cssSelector("#tenant-form button[type=submit]")).click();
        waitForText(By.id("tenants-status"), "A tenant named beta exists.");
        screenshot("tenants");

        // A session the server no longer knows goes back to sign-in with a message.
        browser.manage().deleteCookieNamed("magicode_session");
        browser.findElement(By.linkText("Secrets")).click();
        page("login");
        waitForText(By.id("main"), "Your session has ended");

        // Sign in again, sign out; the console then needs a new sign-in.
        browser.findElement(By.id("f-username")).sendKeys("admin");
        browser.findElement(By.id("f-password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        page("dashboard");
        browser.findElement(By.id("sign-out")).click();
        page("login");
        waitForText(By.id("main"), "You are signed out");
        browser.get(base + "/#/audit");
        page("login");
        browser.get(base + "/");
        page("login");
    }

    /** Fills the wizard's step {@code step} (clearing what is there) and presses Next / Finish. */
    private static void setupStep(int step, Map<String, String> values) {
        wait.until(driver -> String.valueOf(step)
                .equals(driver.findElement(By.id("setup-form")).getDomAttribute("data-step")));
        values.forEach((name, value) -> {
            WebElement input = browser.findElement(By.id("f-" + name));
            input.clear();
            input.sendKeys(value);
        });
        browser.findElement(By.id("setup-next")).click();
    }

    private static void page(String id) {
        wait.until(driver -> id.equals(driver.findElement(By.id("main")).getDomAttribute("data-page"))
                && driver.getCurrentUrl().endsWith("#/" + id));
    }

    private static WebElement waitForText(By locator, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(locator, text));
        return browser.findElement(locator);
    }

    private static void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(SCREENSHOTS);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
