package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.github.AppKeys;
import ai.magicode.appliance.github.GhesSimulator;
import ai.magicode.appliance.llm.ProviderDouble;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The whole setup wizard in a real browser (Debian's headless chromium) against an appliance with no GitHub App, no
 * provider key and no repository: setup token, administrator and tenant; the GitHub App created through the manifest
 * flow on the GHES simulator (the page posts the manifest to the simulator's App creation page, which sends the
 * browser back with a code the appliance converts); an Ollama double tested from the provider step and an external
 * provider's key stored; the installation's webhook arriving while the repositories step waits, connected to the
 * tenant, its repository picked; the done page's checks; then the repository indexing to the end on the
 * repositories page. Then the system page (storage, a backup, the support bundle with a planted secret absent). Every
 * page passes axe-core and is photographed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleWizardIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "correct horse battery staple";
    private static final long INSTALLATION = 77;
    private static final int FILES = 120;
    /** Secret-looking values planted where a careless bundle would pick them up. */
    private static final String PLANTED_TOKEN = "ghp_" + "Zq8rT2vX9yB4nM6kL1pW3sD5fG7hJ0aQ2eR4";

    private static final String PLANTED_KEY = "sk-planted-"
            + HexFormat.of()
                    .formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII))
                    .substring(0, 24);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Started STARTED = new Started();

    @TempDir
    static Path dir;

    private static GhesSimulator ghes;
    private static ProviderDouble ollama;
    private static Appliance appliance;
    private static URI base;
    private static String repoId;
    private static ConsoleBrowser chrome;
    private static ChromeDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        ConsoleBrowser.require();
        Path gitDir = dir.resolve("shop.git");
        try (GitFixture origin = GitFixture.create(gitDir, true)) {
            for (int i = 0; i < FILES; i++) {
                origin.file(
                        "src/Service" + i + ".java",
                        "class Service" + i + " {\n  long compute(long a) { return a * " + i + "; }\n}\n");
            }
            origin.commit("services");
        }
        ghes = STARTED.add(GhesSimulator.start()
                .withInstallation(INSTALLATION, "acme")
                .withRepo("acme/shop", gitDir)
                .withAppCreation(
                        "wizard-code",
                        new String(AppKeys.shared().pkcs1(), StandardCharsets.US_ASCII),
                        AppKeys.shared().pair().getPublic()));
        repoId = String.valueOf(ghes.repo("acme/shop").id());
        ollama = STARTED.add(ProviderDouble.start(ProviderDouble.Protocol.OLLAMA)
                .otherwise(ProviderDouble.Reply.text("OK").tokens(10, 1)));
        // The public URL is the one the browser uses, so GitHub's redirect comes back to the same origin.
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        base = URI.create("http://127.0.0.1:" + port);
        appliance = STARTED.add(Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.ofEntries(
                        Map.entry("MAGICODE_DATA_DIR", dir.resolve("data").toString()),
                        Map.entry("MAGICODE_SERVER_PORT", String.valueOf(port)),
                        Map.entry("MAGICODE_SERVER_HOST", "127.0.0.1"),
                        Map.entry("MAGICODE_SERVER_PUBLIC_URL", base + "/"),
                        Map.entry("MAGICODE_GITHUB_API_URL", ghes.apiUrl().toString()),
                        Map.entry("MAGICODE_INDEX_EMBEDDINGS", "none"),
                        Map.entry(
                                "MAGICODE_CONSOLE_BACKUP_DIR",
                                dir.resolve("backups").toString()),
                        Map.entry("MAGICODE_LLM_OLLAMA_ENABLED", "true"),
                        Map.entry("MAGICODE_LLM_OLLAMA_BASE_URL", ollama.baseUrl())))));
        appliance.start();

        chrome = STARTED.add(ConsoleBrowser.start(dir.resolve("profile"), WAIT));
        browser = chrome.driver();
        wait = chrome.await();
        // The wizard redraws its form when a step changes: an element found a moment ago may be gone.
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterAll
    static void stop() throws Exception {
        STARTED.close();
    }

    @Test
    @Order(1)
    void walksTheWholeWizardAndSeesTheRepositoryIndexed() throws Exception {
        String axe = ConsoleBrowser.axeSource();
        browser.get(base + "/");
        chrome.page("setup");
        step(
                1,
                Map.of(
                        "token",
                        Files.readString(dir.resolve("data").resolve("setup-token"))
                                .trim()));
        step(2, Map.of("username", "admin", "password", PASSWORD, "repeat", PASSWORD));
        step(3, Map.of("tenant", "acme"));

        // Step 4: no App yet; create one on the GitHub server from the manifest.
        awaitStep(4);
        chrome.waitForText(By.id("setup-status"), "you are signed in");
        assertEquals("", chrome.serious(axe), "axe-core on the GitHub App step");
        chrome.screenshot("setup-github");
        chrome.click(By.id("setup-create-app"));
        // The simulator confirms at once and sends the browser back to /setup/github-app?code=…&state=….
        chrome.waitForText(By.id("setup-status"), "GitHub created the App");
        awaitStep(4);
        assertTrue(browser.getCurrentUrl().endsWith("/#/setup"), browser.getCurrentUrl());
        assertEquals(1, ghes.postedManifests().size());
        assertEquals(
                base + "/setup/github-app",
                ghes.postedManifests().getFirst().path("redirect_url").asText());
        long appId = ghes.createdApp().path("id").asLong();
        chrome.waitForText(
                By.id("setup-app-state"), "A GitHub App is registered (id " + appId + "), with its webhook secret");
        chrome.screenshot("setup-github-created");
        chrome.click(By.id("setup-next"));

        // Step 5: the Ollama double answers the connection test; an external provider's key is stored (write-only).
        awaitStep(5);
        chrome.waitForText(By.id("setup-providers"), "ollama");
        chrome.click(By.cssSelector("button.test-provider[data-provider='ollama']"));
        chrome.waitForText(By.cssSelector(".provider-test[data-provider='ollama']"), "answered (ollama/");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("f-provider"))).selectByValue("openai");
        browser.findElement(By.id("f-api-key")).sendKeys(PLANTED_KEY);
        chrome.click(By.id("setup-store-key"));
        chrome.waitForText(By.id("setup-status"), "The key of openai is stored in the vault.");
        assertEquals("", browser.findElement(By.id("f-api-key")).getDomProperty("value"), "the key field is cleared");
        assertFalse(browser.getPageSource().contains(PLANTED_KEY), "the key is not in the page");
        assertEquals("", chrome.serious(axe), "axe-core on the provider step");
        chrome.screenshot("setup-provider");
        chrome.click(By.id("setup-next"));

        // Step 6: waits for the installation; GitHub's webhook (signed with the new App's secret) brings it.
        awaitStep(6);
        chrome.waitForText(By.id("setup-repos"), "No installation has reached the appliance yet");
        String repositories =
                "[{\"id\":" + repoId + ",\"full_name\":\"acme/shop\",\"name\":\"shop\",\"private\":true}]";
        HttpResponse<String> delivered = new ApiSession(base)
                .deliver(
                        ghes.createdApp().path("webhook_secret").asText(),
                        UUID.randomUUID().toString(),
                        "installation",
                        "{\"action\":\"created\",\"installation\":{\"id\":" + INSTALLATION
                                + ",\"account\":{\"login\":\"acme\",\"type\":\"Organization\"}},\"repositories\":"
                                + repositories + ",\"sender\":{\"login\":\"octocat\"}}");
        assertEquals(202, delivered.statusCode(), delivered.body());
        wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("button.connect[data-installation='" + INSTALLATION + "']")))
                .click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("repo-" + repoId)))
                .click();
        assertEquals("", chrome.serious(axe), "axe-core on the repositories step");
        chrome.screenshot("setup-repos");
        chrome.click(By.id("setup-next"));

        // Step 7: each part checked.
        awaitStep(7);
        chrome.waitForText(By.id("setup-checks"), "Appliance health");
        String checks = browser.findElement(By.id("setup-checks")).getText();
        assertTrue(checks.contains("GitHub App " + appId + " registered."), checks);
        assertTrue(checks.contains("ollama answered"), checks);
        assertTrue(checks.contains("acme/shop: "), checks);
        assertFalse(checks.contains("Missing"), checks);
        assertEquals("", chrome.serious(axe), "axe-core on the done page");
        chrome.screenshot("setup-done-all");

        // The repository indexes to the end, as the repositories page shows.
        browser.findElement(By.linkText("Watch the indexing on the Repositories page"))
                .click();
        chrome.page("repos");
        wait.until(driver -> "ready"
                .equals(driver.findElement(By.cssSelector("progress[data-repo='" + repoId + "']"))
                        .getDomAttribute("data-state")));
        String state = browser.findElement(By.cssSelector(".index-state[data-repo='" + repoId + "']"))
                .getText();
        assertTrue(state.startsWith("ready · " + FILES + " / " + FILES + " files"), state);
        chrome.screenshot("setup-repo-indexed");
        assertTrue(ghes.violations().isEmpty(), "GHES contract violations: " + ghes.violations());
    }

    @Test
    @Order(2)
    void systemPageBacksUpAndTheSupportBundleCarriesNoPlantedSecret() throws Exception {
        System.getLogger("ai.magicode.appliance.ConsoleWizardIT")
                .log(System.Logger.Level.WARNING, "a careless line with a token " + PLANTED_TOKEN);
        browser.get(base + "/#/system");
        chrome.page("system");
        chrome.waitForText(By.id("system-facts"), Appliance.version());
        String storage = browser.findElement(By.cssSelector("main table")).getText();
        assertTrue(storage.contains("audit ") && storage.contains("store ") && storage.contains("index "), storage);
        chrome.click(By.id("backup"));
        chrome.waitForText(By.id("backup-status"), "Backup written to");
        List<Path> backups;
        try (var list = Files.list(dir.resolve("backups"))) {
            backups = list.toList();
        }
        assertEquals(1, backups.size(), backups.toString());
        assertTrue(Files.exists(backups.getFirst().resolve("backup.json")), "the backup has its manifest");
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the system page");
        chrome.screenshot("system");

        // The bundle, downloaded with the browser's session as the link would.
        Cookie session = browser.manage().getCookieNamed("magicode_session");
        HttpResponse<byte[]> bundle = HTTP.send(
                HttpRequest.newBuilder(base.resolve(
                                browser.findElement(By.id("support-bundle")).getDomAttribute("href")))
                        .header("Cookie", session.getName() + "=" + session.getValue())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, bundle.statusCode());
        assertEquals(
                "application/zip", bundle.headers().firstValue("Content-Type").orElse(""));
        Map<String, String> files = unzip(bundle.body());
        assertEquals(
                List.of("README.txt", "system.json", "configuration.txt", "health.json", "log.txt", "threads.txt"),
                new ArrayList<>(files.keySet()));
        String all = String.join("\n", files.values());
        assertFalse(all.contains(PLANTED_TOKEN), "the planted token is in the bundle");
        assertFalse(all.contains(PLANTED_KEY), "the provider key is in the bundle");
        assertFalse(
                all.contains(ghes.createdApp().path("webhook_secret").asText()), "the webhook secret is in the bundle");
        assertTrue(
                files.get("log.txt").contains("a careless line with a token [REDACTED:github-token]"),
                files.get("log.txt"));
        assertTrue(files.get("configuration.txt").contains("publicUrl=Optional[" + base + "/]"));
        assertTrue(files.get("threads.txt").contains("\"main\""), "the thread dump names the main thread");
        JsonNode health = JSON.readTree(files.get("health.json"));
        assertTrue(health.isArray() && health.size() > 0, files.get("health.json"));
    }

    @Test
    @Order(3)
    void usersPageListsTheLocalAdministratorAndSaysSsoIsOff() throws Exception {
        browser.get(base + "/#/users");
        chrome.page("users");
        chrome.waitForText(By.cssSelector("main table"), "admin");
        String text = browser.findElement(By.id("main")).getText();
        assertTrue(text.contains("admin (you) admin, superadmin enabled"), text);
        assertTrue(text.contains("Local login is on."), text);
        assertTrue(text.contains("No OIDC provider is configured"), text);
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the users page");
        chrome.screenshot("users");
    }

    @Test
    @Order(4)
    void usersAreCreatedChangedDisabledAndDeletedFromTheUsersPage() throws Exception {
        String axe = ConsoleBrowser.axeSource();
        browser.get(base + "/#/users");
        chrome.page("users");
        chrome.waitForText(By.cssSelector("main table"), "admin");

        // Created with a password and a role; the password field is cleared as it is sent.
        browser.findElement(By.id("f-username")).sendKeys("carol");
        browser.findElement(By.id("f-password")).sendKeys(PASSWORD);
        chrome.click(By.id("user-create-roles-operator"));
        chrome.click(By.cssSelector("#user-create-form button[type=submit]"));
        chrome.waitForText(By.id("users-status"), "Created carol with roles operator.");
        assertEquals("", browser.findElement(By.id("f-password")).getDomProperty("value"));
        assertFalse(browser.getPageSource().contains(PASSWORD), "the password is not in the page");
        chrome.waitForText(By.id("users-local"), "carol operator enabled");
        assertEquals(200, localLogin("carol").statusCode());

        // Its roles changed: the form ticks the current ones, the server answers the new ones.
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("f-rolesUser")))
                .selectByVisibleText("carol");
        assertTrue(browser.findElement(By.id("user-roles-operator")).isSelected());
        chrome.click(By.id("user-roles-operator"));
        chrome.click(By.id("user-roles-auditor"));
        chrome.click(By.id("user-roles-member"));
        chrome.click(By.cssSelector("#user-roles-form button[type=submit]"));
        chrome.waitForText(By.id("users-status"), "carol now has roles auditor, member.");
        chrome.waitForText(By.id("users-local"), "carol auditor, member enabled");
        assertEquals("", chrome.serious(axe), "axe-core on the users page after changes");

        // Disabled: no sign-in.
        chrome.click(By.cssSelector("button[data-user='local:carol'][data-action='disable']"));
        chrome.waitForText(By.id("users-status"), "Disabled carol");
        chrome.waitForText(By.id("users-local"), "carol auditor, member disabled");
        assertEquals(401, localLogin("carol").statusCode());

        // The last admin cannot disable themselves: the server's reason is shown, nothing changes.
        chrome.click(By.cssSelector("button[data-user='local:admin'][data-action='disable']"));
        chrome.waitForText(By.id("users-status"), "You are the last admin of acme");
        chrome.waitForText(By.id("users-local"), "admin (you) admin, superadmin enabled");
        assertEquals("", chrome.serious(axe), "axe-core on the users page with an error");
        browser.executeScript("window.scrollTo(0, 0);");
        chrome.screenshot("users-managed");

        // Deleted through the privacy feature's user deletion, after the confirmation.
        chrome.click(By.cssSelector("button[data-user='local:carol'][data-action='delete']"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        chrome.waitForText(By.id("users-status"), "Deleted carol.");
        wait.until(driver -> !driver.findElement(By.id("users-local")).getText().contains("carol"));

        // Each action is in the audit log.
        Cookie session = browser.manage().getCookieNamed("magicode_session");
        for (String action :
                List.of("auth.user.create", "auth.user.roles", "auth.user.disable", "privacy.user.delete")) {
            HttpResponse<String> entries = HTTP.send(
                    HttpRequest.newBuilder(base.resolve("/api/v1/audit?action=" + action))
                            .header("Cookie", session.getName() + "=" + session.getValue())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, entries.statusCode(), entries.body());
            assertTrue(entries.body().contains("\"action\":\"" + action + "\""), action + ": " + entries.body());
        }
    }

    private static HttpResponse<String> localLogin(String username) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve("/api/v1/auth/login"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                JSON.writeValueAsString(Map.of("username", username, "password", PASSWORD))))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    // --- helpers -------------------------------------------------------------------------

    private static void step(int step, Map<String, String> values) {
        awaitStep(step);
        values.forEach((name, value) -> {
            var input = browser.findElement(By.id("f-" + name));
            input.clear();
            input.sendKeys(value);
        });
        chrome.click(By.id("setup-next"));
    }

    private static void awaitStep(int step) {
        wait.until(driver -> String.valueOf(step)
                .equals(driver.findElement(By.id("setup-form")).getDomAttribute("data-step")));
    }

    private static Map<String, String> unzip(byte[] zip) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                files.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }
}
