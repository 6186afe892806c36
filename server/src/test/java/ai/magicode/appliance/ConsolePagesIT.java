package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.github.AppKeys;
import ai.magicode.appliance.github.GhesSimulator;
import ai.magicode.appliance.llm.ChatRequest;
import ai.magicode.appliance.llm.ProviderDouble;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's part-2 pages in a real browser (Debian's headless chromium) against an appliance connected to the
 * GHES simulator, in air-gapped mode: a repository mirrored from an App installation re-indexed from the
 * repositories page with its progress bar moving (server-sent events), hostile repository names from GitHub shown
 * as text, the policy editor's inline validation errors and the dry-run simulator, the model catalogue and the
 * air-gapped banner, the usage page, and verifying the audit chain. Every page is visited as each role (forbidden
 * ones show "Not allowed for your role", and the API answers 403), checked with axe-core (no serious or critical
 * violation) and photographed; the first load's weight and time to interactive are printed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsolePagesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = ApiSession.PASSWORD;
    private static final String SECRET = "console-pages-webhook-secret";
    private static final long APP_ID = 5151;
    private static final long INSTALLATION = 88;
    private static final int FILES = 3000;
    private static final String HOSTILE_IMG = "acme/<img src=x onerror=\"document.title='pwned'\">";
    private static final String HOSTILE_SCRIPT = "acme/\"><script>document.title='pwned'</script>";
    private static final String HOSTILE_TITLE = "<img src=x onerror=\"document.title='pwned'\"> crash on save";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Started STARTED = new Started();
    /** The console's pages and the roles app.js lets in (null: every signed-in role), with the API each reads. */
    private static final Map<String, Set<String>> PAGE_ROLES = new LinkedHashMap<>();

    private static final Map<String, String> PAGE_API = Map.of(
            "repos", "/api/v1/repos",
            "jobs", "/api/v1/jobs",
            "policies", "/api/v1/llm/policy",
            "usage", "/api/v1/llm/usage",
            "audit", "/api/v1/audit",
            "secrets", "/api/v1/secrets",
            "tenants", "/api/v1/tenants",
            "system", "/api/v1/system",
            "users", "/api/v1/users");

    static {
        Set<String> all = Set.of("superadmin", "admin", "operator", "auditor", "member");
        PAGE_ROLES.put("dashboard", all);
        PAGE_ROLES.put("repos", Set.of("admin", "operator", "member", "auditor"));
        PAGE_ROLES.put("jobs", Set.of("admin", "operator", "member", "auditor"));
        PAGE_ROLES.put("policies", Set.of("superadmin", "admin", "operator", "auditor"));
        PAGE_ROLES.put("models", all);
        PAGE_ROLES.put("usage", Set.of("superadmin", "admin", "operator", "auditor"));
        PAGE_ROLES.put("audit", Set.of("superadmin", "admin", "auditor"));
        PAGE_ROLES.put("secrets", Set.of("admin"));
        PAGE_ROLES.put("users", Set.of("admin", "superadmin"));
        PAGE_ROLES.put("tokens", all);
        PAGE_ROLES.put("tenants", Set.of("superadmin"));
        PAGE_ROLES.put("system", Set.of("superadmin"));
        PAGE_ROLES.put("privacy", Set.of("admin", "superadmin"));
        PAGE_ROLES.put("my-data", all);
    }

    @TempDir
    static Path dir;

    private static GhesSimulator ghes;
    private static ProviderDouble ollama;
    private static Appliance appliance;
    private static URI base;
    private static ApiSession api;
    private static String repoId;
    private static ConsoleBrowser chrome;
    private static ChromeDriver browser;
    private static WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        ConsoleBrowser.require();
        Path gitDir = dir.resolve("shop.git");
        try (GitFixture origin = GitFixture.create(gitDir, true)) {
            // Enough files that an update takes a while, so the progress bar is seen part-way.
            for (int i = 0; i < FILES; i++) {
                origin.file(
                        "src/module" + (i % 40) + "/Service" + i + ".java",
                        "class Service" + i + " {\n  long compute" + i + "(long a) { return a * " + i + "; }\n"
                                + "  String describe() { return \"service number " + i + " of the shop\"; }\n}\n");
            }
            origin.commit("many services");
        }
        Path key = dir.resolve("app-key.pem");
        Files.write(key, AppKeys.shared().pkcs1());
        Path secret = dir.resolve("webhook-secret");
        Files.writeString(secret, SECRET);
        ghes = STARTED.add(GhesSimulator.start()
                .withApp(APP_ID, AppKeys.shared().pair().getPublic())
                .withInstallation(INSTALLATION, "acme")
                .withRepo("acme/shop", gitDir));
        repoId = String.valueOf(ghes.repo("acme/shop").id());
        ollama = STARTED.add(ProviderDouble.start(ProviderDouble.Protocol.OLLAMA)
                .otherwise(ProviderDouble.Reply.text("Done.").tokens(1200, 300)));
        appliance = STARTED.add(Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.ofEntries(
                        Map.entry("MAGICODE_DATA_DIR", dir.resolve("data").toString()),
                        Map.entry("MAGICODE_SERVER_PORT", "0"),
                        Map.entry("MAGICODE_SERVER_HOST", "127.0.0.1"),
                        Map.entry("MAGICODE_GITHUB_API_URL", ghes.apiUrl().toString()),
                        Map.entry("MAGICODE_GITHUB_APP_ID", String.valueOf(APP_ID)),
                        Map.entry("MAGICODE_GITHUB_PRIVATE_KEY_FILE", key.toString()),
                        Map.entry("MAGICODE_GITHUB_WEBHOOK_SECRET_FILE", secret.toString()),
                        Map.entry("MAGICODE_INDEX_EMBEDDINGS", "none"),
                        Map.entry("MAGICODE_LLM_AIR_GAPPED", "true"),
                        Map.entry("MAGICODE_LLM_OLLAMA_ENABLED", "true"),
                        Map.entry("MAGICODE_LLM_OLLAMA_BASE_URL", ollama.baseUrl())))));
        base = URI.create("http://127.0.0.1:" + appliance.start().port());

        // Setup and the installation through the API (the wizard has its own test, ConsoleBrowserIT).
        api = new ApiSession(base).signIn(dir.resolve("data"), "acme");
        // GitHub reports the installation with its repositories; two names are hostile (GitHub data is untrusted).
        String repositories = "[{\"id\":" + repoId + ",\"full_name\":\"acme/shop\",\"name\":\"shop\",\"private\":true},"
                + "{\"id\":900001,\"full_name\":" + JSON.writeValueAsString(HOSTILE_IMG)
                + ",\"name\":\"x\",\"private\":true},"
                + "{\"id\":900002,\"full_name\":" + JSON.writeValueAsString(HOSTILE_SCRIPT)
                + ",\"name\":\"y\",\"private\":true}]";
        HttpResponse<String> delivered = deliver(
                "installation",
                "{\"action\":\"created\",\"installation\":{\"id\":" + INSTALLATION
                        + ",\"account\":{\"login\":\"acme\",\"type\":\"Organization\"}},\"repositories\":"
                        + repositories + ",\"sender\":{\"login\":\"octocat\"}}");
        assertEquals(202, delivered.statusCode(), delivered.body());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!api.call("GET", "/api/v1/github/installations", null).body().contains("acme/shop")) {
            assertTrue(System.nanoTime() < deadline, "the installation never reached the mirror");
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        HttpResponse<String> mapped =
                api.call("PUT", "/api/v1/github/installations/" + INSTALLATION + "/tenant", Map.of("tenant", "acme"));
        assertEquals(200, mapped.statusCode(), mapped.body());

        chrome = STARTED.add(ConsoleBrowser.start(dir.resolve("profile"), WAIT));
        browser = chrome.driver();
        wait = chrome.await();
    }

    @AfterAll
    static void stop() throws Exception {
        STARTED.close();
    }

    @Test
    @Order(1)
    void reindexesFromTheRepositoriesPageAndWatchesTheProgressBarMove() throws Exception {
        signIn();
        browser.findElement(By.linkText("Repositories")).click();
        chrome.page("repos");
        chrome.waitForText(By.id("repos-list"), "acme/shop");
        String list = browser.findElement(By.id("repos-list")).getText();
        assertTrue(list.contains(HOSTILE_IMG), "a hostile repository name is shown as text");
        assertTrue(list.contains(HOSTILE_SCRIPT), "a hostile repository name is shown as text");
        assertTrue(browser.findElements(By.cssSelector("main img")).isEmpty(), "a repository name became markup");
        assertTrue(browser.findElements(By.cssSelector("main script")).isEmpty(), "a repository name became script");
        assertFalse(browser.getTitle().contains("pwned"), "a repository name ran as script");
        chrome.waitForText(By.id("banner"), "Air-gapped mode is on");

        // Record every value the bar shows, then re-index and wait for the end.
        browser.executeScript("""
                const bar = document.querySelector('progress[data-repo="%s"]');
                window.seenProgress = [];
                new MutationObserver(() => window.seenProgress.push([bar.value, bar.max, bar.dataset.state]))
                  .observe(bar, {attributes: true});
                """.formatted(repoId));
        browser.findElement(By.cssSelector("button.reindex[data-repo='" + repoId + "']"))
                .click();
        chrome.waitForText(By.id("repos-status"), "Re-indexing acme/shop");
        wait.until(driver -> "ready"
                .equals(driver.findElement(By.cssSelector("progress[data-repo='" + repoId + "']"))
                        .getDomAttribute("data-state")));
        List<?> seen = (List<?>) browser.executeScript("return window.seenProgress;");
        List<double[]> values = new ArrayList<>();
        for (Object entry : seen) {
            List<?> triple = (List<?>) entry;
            values.add(new double[] {((Number) triple.get(0)).doubleValue(), ((Number) triple.get(1)).doubleValue()});
        }
        assertTrue(
                values.stream().anyMatch(v -> v[1] == FILES && v[0] > 0 && v[0] < v[1]),
                "the bar was never seen part-way: " + seen);
        double[] last = values.getLast();
        assertEquals(FILES, last[1], "the bar's maximum is the number of files: " + seen);
        assertEquals(last[1], last[0], "the bar ends full: " + seen);
        String state = browser.findElement(By.cssSelector(".index-state[data-repo='" + repoId + "']"))
                .getText();
        assertTrue(state.startsWith("ready · " + FILES + " / " + FILES + " files"), state);
        chrome.screenshot("repos");
    }

    @Test
    @Order(2)
    void policyErrorsAppearNextToTheirRuleAndTheDryRunExplainsTheDecision() throws Exception {
        browser.findElement(By.linkText("Policies")).click();
        chrome.page("policies");
        chrome.waitForText(By.id("policy-version"), "version 0");
        // An invalid second rule: the server's error lands next to rule 2, and nothing is saved.
        browser.findElement(By.id("policy-add")).click();
        var rule2 = browser.findElement(By.id("policy-rule-2"));
        rule2.clear();
        rule2.sendKeys("{\"name\": \"Bad Name\", \"match\": {\"tasks\": [\"dance\"]}, \"models\": []}");
        browser.findElement(By.id("policy-save")).click();
        chrome.waitForText(By.id("policy-rule-2-errors"), "name must be 1 to 64 lower-case letters");
        assertTrue(browser.findElement(By.id("policy-rule-2-errors")).getText().contains("match.tasks"));
        assertEquals("", browser.findElement(By.id("policy-rule-1-errors")).getText());
        assertEquals("true", rule2.getDomAttribute("aria-invalid"));
        chrome.waitForText(By.id("policy-status"), "not saved");
        chrome.screenshot("policies-invalid");
        // Fixed: a deny rule for a frozen repository, saved as version 1.
        rule2.clear();
        rule2.sendKeys(
                "{\"name\": \"frozen-repo\", \"match\": {\"repos\": [\"acme/legacy-*\"]}, \"action\": \"deny\"}");
        // Rule order matters: the frozen repository's rule goes first, so swap the two boxes' texts.
        var rule1 = browser.findElement(By.id("policy-rule-1"));
        String first = rule1.getDomProperty("value");
        String second = rule2.getDomProperty("value");
        rule1.clear();
        rule1.sendKeys(second);
        rule2.clear();
        rule2.sendKeys(first);
        browser.findElement(By.id("policy-save")).click();
        chrome.waitForText(By.id("policy-status"), "Saved version 1");
        chrome.waitForText(By.id("policy-versions"), "local:admin");

        // The dry run: a frozen repository is denied by its rule; another goes to the default rule.
        browser.findElement(By.id("f-dry-repo")).sendKeys("acme/legacy-billing");
        browser.findElement(By.id("f-dry-prompt")).sendKeys("Fix the rounding of invoice totals");
        browser.findElement(By.cssSelector("#dry-run-form button[type=submit]")).click();
        chrome.waitForText(By.id("dry-run-decision"), "deny");
        assertEquals("frozen-repo", browser.findElement(By.id("dry-run-rule")).getText());
        browser.findElement(By.id("f-dry-repo")).clear();
        browser.findElement(By.id("f-dry-repo")).sendKeys("acme/shop");
        browser.findElement(By.cssSelector("#dry-run-form button[type=submit]")).click();
        wait.until(
                driver -> !driver.findElement(By.id("dry-run-rule")).getText().equals("frozen-repo"));
        assertEquals(
                "default-local-only", browser.findElement(By.id("dry-run-rule")).getText());
        chrome.screenshot("policies");
    }

    @Test
    @Order(3)
    void showsModelsUsageAndVerifiesTheAuditChain() throws Exception {
        browser.findElement(By.linkText("Models")).click();
        chrome.page("models");
        chrome.waitForText(By.id("air-gapped-state"), "Air-gapped mode is on");
        String models = browser.findElement(By.id("models-list")).getText();
        assertTrue(models.contains("ollama/") && models.contains("local"), models);
        chrome.screenshot("models");

        // Three model calls (to the local Ollama double), then their usage as charts and CSV.
        for (int i = 0; i < 3; i++) {
            appliance
                    .llm()
                    .chat(ChatRequest.builder("acme", "edit")
                            .repo("acme/shop", Set.of())
                            .prompt("Rename the service " + i)
                            .build());
        }
        appliance.llm().flush();
        browser.findElement(By.linkText("Usage")).click();
        chrome.page("usage");
        chrome.waitForText(By.id("usage-totals"), "3 calls, 4,500 tokens");
        assertEquals(
                2,
                browser.findElements(By.cssSelector("#usage-results svg.chart")).size());
        assertTrue(
                browser.findElements(By.cssSelector("#usage-results svg.chart rect"))
                                .size()
                        >= 1,
                "the tokens chart has a bar");
        String csv = java.net.URLDecoder.decode(
                browser.findElement(By.id("usage-csv")).getDomAttribute("href"), StandardCharsets.UTF_8);
        assertTrue(csv.startsWith("data:text/csv;charset=utf-8,Day,model,Calls"), csv);
        assertTrue(csv.contains(",3,3600,900,"), csv);
        chrome.screenshot("usage");

        browser.findElement(By.linkText("Audit log")).click();
        chrome.page("audit");
        browser.findElement(By.id("audit-verify")).click();
        chrome.waitForText(By.id("audit-verify-result"), "The audit chain holds");
        assertTrue(browser.findElement(By.id("audit-results")).getText().contains("index.update"));
        chrome.screenshot("audit-verify");
    }

    @Test
    @Order(4)
    void everyPagePassesAxeForTheAdministrator() throws Exception {
        String axe = ConsoleBrowser.axeSource();
        Map<String, String> failures = new LinkedHashMap<>();
        for (String id : PAGE_ROLES.keySet()) {
            browser.get(base + "/#/" + id);
            chrome.page(id);
            if (id.equals("repos")) {
                chrome.waitForText(By.id("repos-list"), "acme/shop");
            }
            chrome.screenshot("page-" + id);
            String violations = chrome.serious(axe);
            if (!violations.isEmpty()) {
                failures.put(id, violations);
            }
        }
        assertTrue(failures.isEmpty(), "axe-core found serious or critical violations: " + failures);
    }

    @Test
    @Order(5)
    void everyPageAsEachRoleShowsOnlyWhatTheRoleMayDo() throws Exception {
        browser.manage().deleteAllCookies();
        for (String role : List.of("superadmin", "admin", "operator", "auditor", "member")) {
            HttpResponse<String> created = api.call(
                    "POST",
                    "/api/v1/tokens",
                    Map.of("name", "console-" + role, "kind", "service", "scopes", List.of(role)));
            assertEquals(201, created.statusCode(), created.body());
            String token = JSON.readTree(created.body()).path("token").asText();
            // The browser sends the role's API token on every request, as a client of the API would.
            browser.executeCdpCommand("Network.enable", Map.of());
            browser.executeCdpCommand(
                    "Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Bearer " + token)));
            browser.get("about:blank");
            for (Map.Entry<String, Set<String>> entry : PAGE_ROLES.entrySet()) {
                String id = entry.getKey();
                browser.get(base + "/#/" + id);
                chrome.page(id);
                boolean allowed = entry.getValue().contains(role);
                String text = browser.findElement(By.id("main")).getText();
                assertEquals(!allowed, text.contains("Not allowed for your role"), role + " on " + id + ": " + text);
                boolean linked = !browser.findElements(By.cssSelector("#nav a[href='#/" + id + "']"))
                        .isEmpty();
                assertEquals(allowed, linked, role + " sees a link to " + id + " exactly when allowed");
                String api = PAGE_API.get(id);
                if (api != null) {
                    int status = bearer(api, token).statusCode();
                    assertEquals(allowed ? 200 : 403, status, role + " calling " + api);
                }
                if (!allowed) {
                    chrome.screenshot("forbidden-" + role + "-" + id);
                }
            }
        }
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));
    }

    @Test
    @Order(6)
    void measuresFirstLoadWeightAndTimeToInteractive() throws Exception {
        signIn();
        // Five cold loads (empty cache, a fresh document each); the median is reported.
        List<double[]> loads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            browser.executeCdpCommand("Network.clearBrowserCache", Map.of());
            browser.get("about:blank");
            browser.get(base + "/#/dashboard");
            chrome.page("dashboard");
            wait.until(driver -> (Boolean)
                    browser.executeScript("return performance.getEntriesByName('console-interactive').length > 0;"));
            double interactive = ((Number) browser.executeScript(
                            "return performance.getEntriesByName('console-interactive')[0].startTime;"))
                    .doubleValue();
            double domContentLoaded = ((Number) browser.executeScript(
                            "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;"))
                    .doubleValue();
            loads.add(new double[] {domContentLoaded, interactive});
        }
        loads.sort(java.util.Comparator.comparingDouble(l -> l[1]));
        double domContentLoaded = loads.get(2)[0];
        double interactive = loads.get(2)[1];
        System.out.println("console cold loads (DOMContentLoaded, interactive ms): "
                + loads.stream()
                        .map(l -> Math.round(l[0]) + "/" + Math.round(l[1]))
                        .toList());
        @SuppressWarnings("unchecked")
        List<String> assets =
                (List<String>) browser.executeScript("return performance.getEntriesByType('resource').map(r => r.name)"
                        + ".filter(n => n.includes('/console/'));");
        List<String> fetched = new ArrayList<>(assets);
        fetched.add(base + "/");
        long raw = 0;
        long gzipped = 0;
        for (String asset : fetched) {
            byte[] body = HTTP.send(
                            HttpRequest.newBuilder(URI.create(asset)).build(), HttpResponse.BodyHandlers.ofByteArray())
                    .body();
            raw += body.length;
            gzipped += gzip(body).length;
        }
        System.out.printf(
                "console first load: %d files, %.1f KB raw, %.1f KB gzip-ed; DOMContentLoaded %.0f ms, "
                        + "interactive (first page drawn) %.0f ms (medians of 5 cold loads)%n",
                fetched.size(), raw / 1024.0, gzipped / 1024.0, domContentLoaded, interactive);
        assertTrue(
                fetched.stream().anyMatch(asset -> asset.endsWith("/console/bundle.js")),
                "the first load fetched the console's modules, joined in one bundle: " + fetched);
        assertTrue(gzipped < 250 * 1024, "the console's first load is over 250 KB gzip-ed: " + gzipped);
    }

    @Test
    @Order(7)
    void jobsPageListsAJobWithItsTimelineAndOnlyOperatorsCancel() throws Exception {
        // A labelled issue with a hostile title starts a job; the model stalls, so the job stays unfinished.
        // Only users with write access may trigger the agent.
        ghes.repo("acme/shop").collaborator("octocat", "write");
        long issue = ghes.repo("acme/shop").issue(HOSTILE_TITLE, "Please fix.");
        ollama.script(ProviderDouble.Reply.stall());
        HttpResponse<String> labelled = deliver(
                "issues",
                "{\"action\":\"labeled\",\"issue\":{\"number\":" + issue + ",\"title\":"
                        + JSON.writeValueAsString(HOSTILE_TITLE)
                        + ",\"body\":\"Please fix.\",\"state\":\"open\",\"user\":{\"login\":\"octocat\"},"
                        + "\"labels\":[{\"name\":\"magicode\"}]},\"label\":{\"name\":\"magicode\"},"
                        + "\"repository\":{\"id\":" + repoId + ",\"full_name\":\"acme/shop\",\"name\":\"shop\"},"
                        + "\"installation\":{\"id\":" + INSTALLATION + "},\"sender\":{\"login\":\"octocat\"}}");
        assertEquals(202, labelled.statusCode(), labelled.body());
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode job = null;
        while (job == null
                || !job.path("state").asText().equals("working")
                || ollama.received().isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the job never reached the model: " + job);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            JsonNode jobs = JSON.readTree(
                            api.call("GET", "/api/v1/jobs?repo=acme/shop", null).body())
                    .path("jobs");
            job = null;
            for (JsonNode j : jobs) {
                if (j.path("issue").asLong() == issue) {
                    job = j;
                }
            }
        }
        String id = job.path("id").asText();

        browser.manage().deleteAllCookies(); // signed in by an earlier test: the login page would move on
        signIn();
        browser.findElement(By.linkText("Jobs")).click();
        chrome.page("jobs");
        chrome.waitForText(By.id("jobs-list"), id);
        String list = browser.findElement(By.id("jobs-list")).getText();
        assertTrue(list.contains(HOSTILE_TITLE), "the hostile title is shown as text: " + list);
        assertHarmless();
        chrome.screenshot("jobs");
        // The state filter: no cancelled job yet.
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("f-state"))).selectByValue("cancelled");
        browser.findElement(By.cssSelector("#jobs-filters button[type=submit]")).click();
        chrome.waitForText(By.id("jobs-list"), "No job matches these filters.");

        browser.get(base + "/#/jobs?id=" + id);
        jobPage(id);
        String facts = browser.findElement(By.id("job-facts")).getText();
        assertTrue(facts.contains("#" + issue + " " + HOSTILE_TITLE), facts);
        String issueLink = browser.findElement(By.cssSelector("#job-facts a")).getDomAttribute("href");
        assertEquals(ghes.apiUrl().toString().replaceAll("/api/v3/?$", "") + "/acme/shop/issues/" + issue, issueLink);
        assertHarmless();
        String axe = ConsoleBrowser.axeSource();
        assertEquals("", chrome.serious(axe), "axe-core on the job page");

        // A member reads the job but has no Cancel button, and the API refuses the member's cancel.
        HttpResponse<String> created = api.call(
                "POST",
                "/api/v1/tokens",
                Map.of("name", "console-jobs-member", "kind", "service", "scopes", List.of("member")));
        assertEquals(201, created.statusCode(), created.body());
        String memberToken = JSON.readTree(created.body()).path("token").asText();
        browser.manage().deleteAllCookies();
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand(
                "Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Bearer " + memberToken)));
        browser.get("about:blank");
        browser.get(base + "/#/jobs?id=" + id);
        jobPage(id);
        assertTrue(browser.findElements(By.id("job-cancel")).isEmpty(), "a member sees no Cancel button");
        chrome.screenshot("job-member");
        HttpResponse<String> refused = HTTP.send(
                HttpRequest.newBuilder(base.resolve("/api/v1/jobs/" + id + "/cancel"))
                        .header("Authorization", "Bearer " + memberToken)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, refused.statusCode(), refused.body());
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));

        // The admin cancels it from the page (after confirming) and sees the new state.
        signIn();
        browser.get(base + "/#/jobs?id=" + id);
        jobPage(id);
        String steps = browser.findElement(By.id("job-detail")).getText();
        assertTrue(steps.contains("Timeline"), steps);
        chrome.screenshot("job");
        browser.findElement(By.id("job-cancel")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        chrome.waitForText(By.id("job-status"), "is now cancelled");
        assertEquals("cancelled", browser.findElement(By.id("job-state")).getText());
        assertTrue(browser.findElements(By.id("job-cancel")).isEmpty(), "no Cancel button on a cancelled job");
        chrome.screenshot("job-cancelled");

        // The stalled call ends now (the runner then lets go of the job); later tests get a fresh double.
        ollama.close();
        ollama = ProviderDouble.start(ProviderDouble.Protocol.OLLAMA);
    }

    @Test
    @Order(8)
    void dashboardShowsJobsUsageIndexFreshnessAndTheRateLimitBudget() throws Exception {
        browser.manage().deleteAllCookies();
        signIn();
        chrome.waitForText(By.id("dash-rate"), "installation:" + INSTALLATION);
        String rate = browser.findElement(By.id("dash-rate")).getText();
        assertTrue(rate.matches("(?s).*installation:" + INSTALLATION + " [0-9,]+ of 5,000.*"), rate);
        assertTrue(browser.findElements(By.cssSelector("#dash-rate meter")).size() >= 1, "a meter per credential");
        String index = browser.findElement(By.id("dash-index")).getText();
        assertTrue(index.contains("acme/shop ready"), index);
        assertTrue(index.contains(HOSTILE_IMG), "hostile names as text: " + index);
        String usage = browser.findElement(By.id("dash-usage")).getText();
        assertTrue(usage.contains("ollama/"), usage);
        assertTrue(
                browser.findElements(By.cssSelector("#dash-usage svg rect")).size() > 0, "the tokens chart has bars");
        chrome.waitForText(By.id("dash-jobs-summary"), "job(s)");
        assertTrue(browser.findElement(By.id("dash-denials-count")).getText().contains("denied by the routing policy"));
        assertHarmless();
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the dashboard");
        browser.executeScript("document.getElementById('dash-jobs').scrollIntoView();");
        chrome.screenshot("dashboard-full");
    }

    @Test
    @Order(9)
    void repositorySettingsAreStoredAndTheAgentRefusesADisabledRepository() throws Exception {
        browser.manage().deleteAllCookies();
        signIn();
        browser.get(base + "/#/repos");
        chrome.page("repos");
        chrome.waitForText(By.id("repos-list"), "acme/shop");
        var labels = browser.findElement(By.id("labels-" + repoId));
        labels.clear();
        labels.sendKeys("restricted, internal");
        browser.findElement(By.id("agent-" + repoId)).click();
        browser.findElement(By.cssSelector("form.repo-settings-form[data-repo='" + repoId + "'] button[type=submit]"))
                .click();
        chrome.waitForText(By.id("repos-status"), "Saved the settings of acme/shop");
        // Stored: a fresh page shows them, and the API lists them.
        browser.get("about:blank");
        browser.get(base + "/#/repos");
        chrome.page("repos");
        chrome.waitForText(
                By.cssSelector(".repo-settings[data-repo='" + repoId + "']"), "internal, restricted · agent off");
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the repositories page with settings");
        chrome.screenshot("repos-settings");
        JsonNode listed = JSON.readTree(api.call("GET", "/api/v1/repos", null).body());
        for (JsonNode repo : listed.path("repositories")) {
            if (repo.path("id").asText().equals(repoId)) {
                assertEquals(
                        "[\"internal\",\"restricted\"]",
                        repo.path("settings").path("classifications").toString());
                assertFalse(repo.path("settings").path("agentEnabled").asBoolean(true));
            }
        }
        HttpResponse<String> bad = api.call(
                "PUT",
                "/api/v1/repos/" + repoId + "/settings",
                Map.of("classifications", List.of("Not A Label"), "agentEnabled", true));
        assertEquals(400, bad.statusCode(), bad.body());

        // A labelled issue on the disabled repository starts nothing and gets one comment (a second trigger none).
        int jobsBefore = JSON.readTree(api.call("GET", "/api/v1/jobs", null).body())
                .path("jobs")
                .size();
        long issue = ghes.repo("acme/shop").issue("Please refactor", "Body.");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> labelled = deliver(
                    "issues",
                    "{\"action\":\"labeled\",\"issue\":{\"number\":" + issue + ",\"title\":\"Please refactor\","
                            + "\"body\":\"Body.\",\"state\":\"open\",\"user\":{\"login\":\"octocat\"},"
                            + "\"labels\":[{\"name\":\"magicode\"}]},\"label\":{\"name\":\"magicode\"},"
                            + "\"repository\":{\"id\":" + repoId + ",\"full_name\":\"acme/shop\",\"name\":\"shop\"},"
                            + "\"installation\":{\"id\":" + INSTALLATION + "},\"sender\":{\"login\":\"octocat\"}}");
            assertEquals(202, labelled.statusCode(), labelled.body());
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (api.call("GET", "/api/v1/audit?action=agent.job.trigger&limit=1000", null)
                        .body()
                        .split("the agent is off for this repository", -1)
                        .length
                < 3) {
            assertTrue(System.nanoTime() < deadline, "the two refusals were never audited");
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        List<ObjectNode> comments = ghes.repo("acme/shop").comments(issue);
        assertEquals(1, comments.size(), comments.toString());
        assertTrue(comments.getFirst().path("body").asText().contains("switched off for this repository"));
        assertEquals(
                jobsBefore,
                JSON.readTree(api.call("GET", "/api/v1/jobs", null).body())
                        .path("jobs")
                        .size(),
                "no job was started");
    }

    // --- helpers -------------------------------------------------------------------------

    @Test
    @Order(8)
    void privacyPageExportsRetentionAndDeletesATenantAfterTypedConfirmation() throws Exception {
        browser.manage().deleteAllCookies();
        signIn();
        assertEquals(
                201,
                api.call("POST", "/api/v1/tenants", Map.of("name", "doomed")).statusCode());
        browser.get(base + "/#/privacy");
        chrome.page("privacy");
        chrome.waitForText(By.id("privacy-inventory"), "auth.tenants");
        wait.until(driver -> !driver.findElement(By.id("f-exportHours"))
                .getDomProperty("value")
                .isEmpty());

        // An export: progress, then the one-time link, downloaded once.
        browser.findElement(By.id("export-start")).click();
        WebElement link = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("export-download")));
        assertTrue(browser.findElement(By.id("export-state")).getText().startsWith("Ready"));
        String href = link.getDomAttribute("href");
        HttpResponse<byte[]> download =
                HTTP.send(HttpRequest.newBuilder(base.resolve(href)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        List<String> files = new ArrayList<>();
        try (java.util.zip.ZipInputStream zip =
                new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(download.body()))) {
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.add(entry.getName());
            }
        }
        assertTrue(files.contains("manifest.json") && files.contains("audit/entries.jsonl"), files.toString());
        assertEquals(
                404,
                HTTP.send(HttpRequest.newBuilder(base.resolve(href)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode(),
                "the link works once");

        // A user's own export, from the "My data" page: drawn by the same controls, downloadable only with the
        // user's own session.
        browser.get(base + "/#/my-data");
        chrome.page("my-data");
        browser.findElement(By.id("my-export-start")).click();
        WebElement mine = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("my-export-download")));
        assertTrue(browser.findElement(By.id("my-export-state")).getText().startsWith("Ready"));
        String mineHref = mine.getDomAttribute("href");
        assertEquals(
                401,
                HTTP.send(
                                HttpRequest.newBuilder(base.resolve(mineHref)).build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode(),
                "without the user's session the link is refused");
        String cookie = browser.manage().getCookies().stream()
                .map(c -> c.getName() + "=" + c.getValue())
                .collect(java.util.stream.Collectors.joining("; "));
        HttpResponse<byte[]> myDownload = HTTP.send(
                HttpRequest.newBuilder(base.resolve(mineHref))
                        .header("Cookie", cookie)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, myDownload.statusCode());
        List<String> myFiles = new ArrayList<>();
        try (java.util.zip.ZipInputStream zip =
                new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(myDownload.body()))) {
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                myFiles.add(entry.getName());
            }
        }
        assertTrue(myFiles.contains("profile.json"), myFiles.toString());
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the my-data page");
        browser.get(base + "/#/privacy");
        chrome.page("privacy");
        wait.until(driver -> !driver.findElement(By.id("f-exportHours"))
                .getDomProperty("value")
                .isEmpty());

        // Retention: saved through the form, read back from the API.
        WebElement hours = browser.findElement(By.id("f-exportHours"));
        hours.clear();
        hours.sendKeys("48");
        browser.findElement(By.cssSelector("#retention-form button[type=submit]"))
                .click();
        chrome.waitForText(By.id("retention-status"), "Retention saved.");
        assertEquals(
                48,
                JSON.readTree(api.call("GET", "/api/v1/privacy/retention", null).body())
                        .path("exportHours")
                        .asInt());
        browser.executeScript("document.getElementById('privacy-export').scrollIntoView()");
        chrome.screenshot("privacy");
        assertEquals("", chrome.serious(ConsoleBrowser.axeSource()), "axe-core on the privacy page");

        // Tenant deletion: a confirmation that does not match deletes nothing; the right one runs to the end.
        browser.findElement(By.id("f-tenantName")).sendKeys("doomed");
        browser.findElement(By.id("f-tenantConfirm")).sendKeys("doomd");
        browser.findElement(By.cssSelector("#tenant-delete-form button[type=submit]"))
                .click();
        chrome.waitForText(By.id("tenant-delete-status"), "does not match");
        assertTrue(api.call("GET", "/api/v1/tenants", null).body().contains("\"doomed\""), "nothing was deleted");
        WebElement confirm = browser.findElement(By.id("f-tenantConfirm"));
        confirm.clear();
        confirm.sendKeys("doomed");
        browser.findElement(By.cssSelector("#tenant-delete-form button[type=submit]"))
                .click();
        chrome.waitForText(By.id("tenant-delete-status"), "Deleted doomed");
        assertFalse(api.call("GET", "/api/v1/tenants", null).body().contains("\"doomed\""), "the tenant is gone");
        chrome.screenshot("privacy-tenant-deleted");
    }

    private static void jobPage(String id) {
        wait.until(driver -> "jobs".equals(driver.findElement(By.id("main")).getDomAttribute("data-page"))
                && driver.getCurrentUrl().endsWith("#/jobs?id=" + id));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("job-facts")));
    }

    /** Nothing hostile became markup: no img or script in the page body, and the title is unchanged. */
    private static void assertHarmless() {
        assertTrue(browser.findElements(By.cssSelector("main img, main script")).isEmpty(), "no injected element");
        assertFalse(browser.getTitle().contains("pwned"), browser.getTitle());
    }

    private static void signIn() {
        // A fresh document: a hash change alone would keep the console's idea of who is signed in.
        browser.get("about:blank");
        browser.get(base + "/#/login");
        chrome.page("login");
        browser.findElement(By.id("f-username")).sendKeys("admin");
        browser.findElement(By.id("f-password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("#login-form button[type=submit]")).click();
        chrome.page("dashboard");
    }

    private static byte[] gzip(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(body);
        }
        return out.toByteArray();
    }

    private static HttpResponse<String> bearer(String path, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> deliver(String event, String body) throws Exception {
        return api.deliver(SECRET, UUID.randomUUID().toString(), event, body);
    }
}
