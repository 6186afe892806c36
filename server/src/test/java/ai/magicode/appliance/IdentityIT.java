package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.auth.KeycloakServer;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.web.Access;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity against a real Keycloak: the authorization matrix of every {@code /api/v1} route × every
 * role × own tenant vs other tenant with real tokens, the refusals (expired, foreign issuer, tampered,
 * {@code alg: none}), key rotation while the appliance runs, and the console's code flow.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IdentityIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BREAK_GLASS = "breakglass";
    private static final String BREAK_GLASS_PASSWORD = "a long break-glass password";

    @TempDir
    static Path dataDir;

    private static KeycloakServer keycloak;
    private static Appliance appliance;
    private static URI base;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** Who calls: a Keycloak user (by password grant) or nobody; {@code tenant} is theirs. */
    record Principal(String name, String tenant, Set<Role> roles, Optional<String> bearer) {
        boolean anonymous() {
            return bearer.isEmpty();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        keycloak = KeycloakServer.shared();
        Path secret = Files.writeString(dataDir.resolve("client-secret"), KeycloakServer.CLIENT_SECRET);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MAGICODE_DATA_DIR", dataDir.resolve("data").toString());
        env.put("MAGICODE_SERVER_PORT", "0");
        env.put("MAGICODE_SERVER_HOST", "127.0.0.1");
        env.put("MAGICODE_AUTH_ISSUER", keycloak.issuer(KeycloakServer.REALM));
        env.put("MAGICODE_AUTH_CLIENT_SECRET_FILE", secret.toString());
        env.put("MAGICODE_AUTH_CLOCK_SKEW", "PT1S");
        env.put("MAGICODE_AUTH_JWKS_REFETCH_INTERVAL", "PT0S");
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env));
        WebServer server = appliance.start();
        base = URI.create("http://127.0.0.1:" + server.port());
        String setupToken =
                Files.readString(dataDir.resolve("data/setup-token")).trim();
        assertEquals(
                201,
                send(
                                "POST",
                                "/api/v1/setup",
                                null,
                                Map.of(
                                        "token", setupToken,
                                        "username", BREAK_GLASS,
                                        "password", BREAK_GLASS_PASSWORD,
                                        "tenant", "acme"))
                        .statusCode());
        String root = keycloak.login(KeycloakServer.REALM, "root").accessToken();
        assertEquals(
                201,
                send("POST", "/api/v1/tenants", root, Map.of("name", "globex")).statusCode());
        assertEquals(
                201,
                send("POST", "/api/v1/tenants", root, Map.of("name", "scratch")).statusCode());
    }

    @AfterAll
    static void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    @Order(1)
    void everyRouteHoldsItsAuthorizationMatrix() throws Exception {
        List<Principal> principals = principals();
        Map<String, Access> routes = routes();
        Map<String, Cell> cells = cellsByRoute();
        assertEquals(
                cells.keySet(),
                routes.keySet(),
                "every /api/v1 route needs a row in the matrix (and every row a route)");
        // Targets of DELETE /tokens/{id}: a service token in each tenant.
        Map<String, String> serviceTokens = new LinkedHashMap<>();
        for (Principal admin : principals) {
            if (admin.roles().contains(Role.ADMIN) && admin.name().endsWith("-admin")) {
                JsonNode created = json(send(
                        "POST",
                        "/api/v1/tokens",
                        admin.bearer().orElseThrow(),
                        Map.of("name", "ci", "kind", "service", "scopes", List.of("operator"))));
                serviceTokens.put(admin.tenant(), created.path("id").asText());
                // Targets of DELETE /secrets/{name} and POST /secrets/{name}/prune in each tenant.
                for (String name : List.of("del-" + admin.tenant(), "prune-" + admin.tenant())) {
                    HttpResponse<String> put = send(
                            "PUT", "/api/v1/secrets/" + name, admin.bearer().orElseThrow(), Map.of("value", "v"));
                    assertEquals(201, put.statusCode(), put.body());
                }
            }
        }
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, Access> route : routes.entrySet()) {
            Cell cell = cells.get(route.getKey());
            assertEquals(cell.allowed(), route.getValue().allowed(), route.getKey() + " changed its access rule");
            for (Principal principal : principals) {
                for (boolean ownTenant : List.of(true, false)) {
                    String tenant = ownTenant ? principal.tenant() : otherTenant(principal.tenant());
                    Call call = cell.call(principal, tenant, serviceTokens);
                    int expected = expected(route.getValue(), principal, call);
                    HttpResponse<String> response =
                            send(call.method(), call.path(), principal.bearer().orElse(null), call.body());
                    checked++;
                    if (response.statusCode() != expected) {
                        failures.add(route.getKey() + " as " + principal.name() + (ownTenant ? " (own" : " (other")
                                + " tenant " + tenant + "): expected " + expected + ", got "
                                + response.statusCode() + " " + response.body());
                    } else if (response.statusCode() >= 400) {
                        assertProblem(response, principal);
                    }
                }
            }
        }
        assertTrue(
                failures.isEmpty(),
                failures.size() + " of " + checked + " cells failed:\n" + String.join("\n", failures));
        assertTrue(checked >= routes.size() * 2 * 7, "checked " + checked);
    }

    @Test
    @Order(2)
    void answersEachCallerWithItsOwnTenant() throws Exception {
        for (Principal principal : principals()) {
            if (principal.anonymous()) {
                continue;
            }
            JsonNode me = json(send("GET", "/api/v1/auth/me", principal.bearer().get(), null));
            assertEquals(principal.tenant(), me.path("tenant").asText(), principal.name());
            assertEquals(
                    principal.roles().stream()
                            .map(r -> r.name().toLowerCase())
                            .sorted()
                            .toList(),
                    JSON.convertValue(me.path("roles"), List.class),
                    principal.name());
        }
    }

    @Test
    @Order(3)
    void listsOnlyTheCallersTenantsTokens() throws Exception {
        String globex = keycloak.login(KeycloakServer.REALM, "globex-admin").accessToken();
        String acme = keycloak.login(KeycloakServer.REALM, "acme-admin").accessToken();
        String acmeId = json(send("POST", "/api/v1/tokens", acme, Map.of("name", "mine")))
                .path("id")
                .asText();
        JsonNode list = json(send("GET", "/api/v1/tokens", globex, null));
        assertFalse(list.toString().contains(acmeId), list.toString());
        assertTrue(json(send("GET", "/api/v1/tokens", acme, null)).toString().contains(acmeId));
    }

    @Test
    @Order(3)
    void aUsersOwnExportReachesThatUserOnly() throws Exception {
        String admin = keycloak.login(KeycloakServer.REALM, "acme-admin").accessToken();
        String member = keycloak.login(KeycloakServer.REALM, "acme-member").accessToken();
        String other = keycloak.login(KeycloakServer.REALM, "globex-admin").accessToken();
        String adminId = json(send("GET", "/api/v1/auth/me", admin, null))
                .path("subject")
                .asText();
        HttpResponse<String> requested = send("POST", "/api/v1/privacy/me/exports", admin, null);
        assertEquals(202, requested.statusCode(), requested.body());
        JsonNode export = json(requested);
        String id = export.path("id").asText();
        String path = export.path("downloadPath").asText();
        Instant deadline = Instant.now().plusSeconds(60);
        String state = export.path("state").asText();
        while (state.equals("building") && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = json(send("GET", "/api/v1/privacy/me/exports/" + id, admin, null))
                    .path("state")
                    .asText();
        }
        assertEquals("ready", state);
        for (String stranger : List.of(member, other)) {
            assertEquals(
                    404,
                    send("GET", "/api/v1/privacy/me/exports/" + id, stranger, null)
                            .statusCode());
            assertFalse(json(send("GET", "/api/v1/privacy/me/exports", stranger, null))
                    .toString()
                    .contains(id));
            assertEquals(404, send("GET", path, stranger, null).statusCode(), "another user holding the link");
        }
        assertEquals(401, send("GET", path, null, null).statusCode(), "the link alone is not enough");
        assertEquals(
                404,
                send(
                                "GET",
                                "/api/v1/privacy/exports/" + id + "/download?token="
                                        + export.path("downloadToken").asText(),
                                null,
                                null)
                        .statusCode(),
                "not through the tenant exports' open download either");
        assertEquals(
                404, send("GET", "/api/v1/privacy/exports/" + id, admin, null).statusCode(), "not a tenant export");

        HttpResponse<byte[]> download = HTTP.send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Authorization", "Bearer " + admin)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertEquals(404, send("GET", path, admin, null).statusCode(), "the link works once");
        Map<String, String> files = new LinkedHashMap<>();
        try (java.util.zip.ZipInputStream zip =
                new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(download.body()))) {
            for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.put(entry.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        JsonNode profile = JSON.readTree(files.get("profile.json"));
        assertEquals(adminId, profile.path("user").asText(), files.keySet().toString());
        assertEquals("acme", profile.path("tenant").asText());
        assertEquals(
                adminId, JSON.readTree(files.get("manifest.json")).path("user").asText());
        List<String> audit = files.get("audit/entries.jsonl").lines().toList();
        assertFalse(audit.isEmpty(), "the admin's own actions are there");
        for (String line : audit) {
            assertEquals(adminId, JSON.readTree(line).path("actor").path("id").asText(), line);
        }
        // (the request itself may still be queued for the log when the archive is written: not asserted)
        assertTrue(files.get("privacy/exports.json").contains(id));
        assertFalse(files.containsKey("secrets.json"), "no tenant-wide kind: " + files.keySet());
    }

    @Test
    @Order(4)
    void refusesExpiredToken() throws Exception {
        String token = keycloak.login(
                        KeycloakServer.REALM,
                        KeycloakServer.SHORT_CLIENT_ID,
                        KeycloakServer.SHORT_CLIENT_SECRET,
                        "acme-admin")
                .accessToken();
        long exp = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]))
                .path("exp")
                .asLong();
        // exp + the configured skew of 1 s, then one more second: a condition, not a guess.
        Instant usable = Instant.ofEpochSecond(exp + 2);
        while (Instant.now().isBefore(usable)) {
            Thread.sleep(java.time.Duration.between(Instant.now(), usable).toMillis() + 1);
        }
        HttpResponse<String> response = send("GET", "/api/v1/auth/me", token, null);
        assertEquals(401, response.statusCode());
        assertProblem(response, null);
        assertFalse(response.body().contains(token));
    }

    @Test
    @Order(5)
    void refusesTokenFromAnotherIssuer() throws Exception {
        String foreign =
                keycloak.login(KeycloakServer.OTHER_REALM, "acme-admin").accessToken();
        HttpResponse<String> response = send("GET", "/api/v1/auth/me", foreign, null);
        assertEquals(401, response.statusCode());
        assertFalse(response.body().contains(foreign));
    }

    @Test
    @Order(6)
    void refusesTamperedAndUnsignedTokens() throws Exception {
        String token = keycloak.login(KeycloakServer.REALM, "acme-member").accessToken();
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("magicode-member", "magicode-admin");
        String tampered = parts[0] + "." + b64(payload) + "." + parts[2];
        String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(payload) + ".";
        for (String bad : List.of(tampered, unsigned, "garbage", parts[0] + "." + parts[1])) {
            HttpResponse<String> response = send("GET", "/api/v1/auth/me", bad, null);
            assertEquals(401, response.statusCode(), bad);
            assertProblem(response, null);
            assertFalse(response.body().contains(parts[1]));
        }
        assertEquals(200, send("GET", "/api/v1/auth/me", token, null).statusCode());
    }

    @Test
    @Order(7)
    void logsInThroughTheConsoleCodeFlowAndLogsOut() throws Exception {
        Browser browser = new Browser();
        HttpResponse<String> start = browser.get(base.resolve("/auth/login"));
        assertEquals(302, start.statusCode());
        String authorize = start.headers().firstValue("Location").orElseThrow();
        assertTrue(authorize.startsWith(keycloak.issuer(KeycloakServer.REALM)), authorize);
        assertTrue(authorize.contains("code_challenge_method=S256") && authorize.contains("nonce="), authorize);
        HttpResponse<String> page = browser.get(URI.create(authorize));
        assertEquals(200, page.statusCode(), page.body());
        Matcher action = Pattern.compile("<form[^>]*action=\"([^\"]+)\"").matcher(page.body());
        assertTrue(action.find(), "no login form in Keycloak's page");
        String formAction = action.group(1).replace("&amp;", "&");
        HttpResponse<String> submitted = browser.post(
                URI.create(formAction),
                "application/x-www-form-urlencoded",
                "username=acme-auditor&password=acme-auditor-pass&credentialId=",
                Map.of());
        assertEquals(302, submitted.statusCode(), submitted.body());
        String callback = submitted.headers().firstValue("Location").orElseThrow();
        assertTrue(callback.startsWith(base + "/auth/callback?"), callback);
        HttpResponse<String> landed = browser.get(URI.create(callback));
        assertEquals(302, landed.statusCode(), landed.body());
        assertEquals("/", landed.headers().firstValue("Location").orElseThrow());
        String setCookie = landed.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("magicode_session="))
                .findFirst()
                .orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        String sessionId = browser.cookies.get("magicode_session");

        // The same state cannot be redeemed twice.
        assertEquals(400, browser.get(URI.create(callback)).statusCode());

        HttpResponse<String> me = browser.get(base.resolve("/api/v1/auth/me"));
        assertEquals(200, me.statusCode(), me.body());
        JsonNode caller = JSON.readTree(me.body());
        assertEquals("acme", caller.path("tenant").asText());
        assertEquals("[\"auditor\"]", caller.path("roles").toString());
        String csrf = caller.path("csrfToken").asText();
        assertFalse(csrf.isEmpty());

        String tokenBody = JSON.writeValueAsString(Map.of("name", "from-console"));
        HttpResponse<String> withoutCsrf =
                browser.post(base.resolve("/api/v1/tokens"), "application/json", tokenBody, Map.of());
        assertEquals(403, withoutCsrf.statusCode(), withoutCsrf.body());
        HttpResponse<String> withCsrf = browser.post(
                base.resolve("/api/v1/tokens"), "application/json", tokenBody, Map.of("X-CSRF-Token", csrf));
        assertEquals(201, withCsrf.statusCode(), withCsrf.body());

        HttpResponse<String> logout =
                browser.post(base.resolve("/auth/logout"), "text/plain", "", Map.of("X-CSRF-Token", csrf));
        assertEquals(200, logout.statusCode(), logout.body());
        String logoutUrl = JSON.readTree(logout.body()).path("logoutUrl").asText();
        assertTrue(
                logoutUrl.startsWith(keycloak.issuer(KeycloakServer.REALM) + "/protocol/openid-connect/logout?")
                        && logoutUrl.contains("id_token_hint="),
                logoutUrl);
        HttpResponse<String> providerLogout = browser.get(URI.create(logoutUrl));
        assertTrue(providerLogout.statusCode() == 302 || providerLogout.statusCode() == 200, providerLogout.body());
        assertFalse(browser.cookies.containsKey("magicode_session"), "the session cookie was not cleared");
        // The old session id no longer works, even if a client kept it.
        HttpResponse<String> after = HTTP.send(
                HttpRequest.newBuilder(base.resolve("/api/v1/auth/me"))
                        .header("Cookie", "magicode_session=" + sessionId)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, after.statusCode());
    }

    /**
     * A minimal browser: keeps cookies by name and sends them back, whatever their Secure flag (Keycloak
     * marks its login cookies Secure even on loopback HTTP, which java.net.CookieManager then withholds).
     */
    private static final class Browser {
        final Map<String, String> cookies = new LinkedHashMap<>();

        HttpResponse<String> get(URI uri) throws Exception {
            return send(HttpRequest.newBuilder(uri).GET());
        }

        HttpResponse<String> post(URI uri, String type, String body, Map<String, String> headers) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(request::header);
            return send(request);
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            if (!cookies.isEmpty()) {
                request.header(
                        "Cookie",
                        cookies.entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .collect(Collectors.joining("; ")));
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            for (String header : response.headers().allValues("Set-Cookie")) {
                for (HttpCookie cookie : HttpCookie.parse(header)) {
                    if (cookie.getMaxAge() == 0 || cookie.getValue().isEmpty()) {
                        cookies.remove(cookie.getName());
                    } else {
                        cookies.put(cookie.getName(), cookie.getValue());
                    }
                }
            }
            return response;
        }
    }

    @Test
    @Order(8)
    void localBreakGlassLoginWorksBesideOidc() throws Exception {
        HttpResponse<String> login = send(
                "POST", "/api/v1/auth/login", null, Map.of("username", BREAK_GLASS, "password", BREAK_GLASS_PASSWORD));
        assertEquals(200, login.statusCode(), login.body());
        assertEquals(
                401,
                send("POST", "/api/v1/auth/login", null, Map.of("username", BREAK_GLASS, "password", "wrong"))
                        .statusCode());
    }

    @Test
    @Order(20)
    void keepsValidatingAfterKeycloakRotatesItsSigningKey() throws Exception {
        String before = keycloak.login(KeycloakServer.REALM, "acme-admin").accessToken();
        assertEquals(200, send("GET", "/api/v1/auth/me", before, null).statusCode());
        keycloak.rotateSigningKey(KeycloakServer.REALM);
        String after = keycloak.login(KeycloakServer.REALM, "acme-admin").accessToken();
        assertFalse(kid(before).equals(kid(after)), "Keycloak did not switch keys");
        assertEquals(200, send("GET", "/api/v1/auth/me", after, null).statusCode());
        assertEquals(
                401,
                send("GET", "/api/v1/auth/me", before, null).statusCode(),
                "a token of the disabled key must no longer verify");
    }

    // --- the matrix -------------------------------------------------------------------------

    /** One route's row: its declared roles and the request a principal makes against a tenant. */
    record Cell(Set<Role> allowed, CallFactory factory) {
        Call call(Principal principal, String tenant, Map<String, String> serviceTokens) {
            return factory.call(principal, tenant, serviceTokens);
        }
    }

    interface CallFactory {
        Call call(Principal principal, String tenant, Map<String, String> serviceTokens);
    }

    /**
     * A request and the status it gets when access allows it.
     *
     * @param success the answer for a caller the route lets in (a function of tenant scoping)
     */
    record Call(String method, String path, Object body, int success) {}

    private static final AtomicInteger UNIQUE = new AtomicInteger();

    private static Map<String, Cell> cellsByRoute() {
        Set<Role> all = EnumSet.allOf(Role.class);
        Set<Role> superadmin = EnumSet.of(Role.SUPERADMIN);
        Map<String, Cell> cells = new LinkedHashMap<>();
        cells.put(
                "GET /api/v1/version", new Cell(Set.of(), (p, t, s) -> new Call("GET", "/api/v1/version", null, 200)));
        cells.put(
                "POST /api/v1/setup",
                new Cell(
                        Set.of(),
                        (p, t, s) -> new Call(
                                "POST",
                                "/api/v1/setup",
                                Map.of(
                                        "token",
                                        "used-or-wrong",
                                        "username",
                                        "x",
                                        "password",
                                        "long enough pass",
                                        "tenant",
                                        "newco"),
                                403)));
        cells.put(
                "POST /api/v1/auth/login",
                new Cell(
                        Set.of(),
                        (p, t, s) -> new Call(
                                "POST",
                                "/api/v1/auth/login",
                                Map.of("username", BREAK_GLASS, "password", "wrong"),
                                401)));
        cells.put(
                "POST /api/v1/auth/logout",
                new Cell(all, (p, t, s) -> new Call("POST", "/api/v1/auth/logout", null, 204)));
        cells.put("GET /api/v1/auth/me", new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/auth/me", null, 200)));
        cells.put(
                "PUT /api/v1/auth/local-login",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call("PUT", "/api/v1/auth/local-login", Map.of("enabled", true), 200)));
        cells.put("GET /api/v1/tokens", new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/tokens", null, 200)));
        cells.put(
                "POST /api/v1/tokens",
                new Cell(all, (p, t, s) -> new Call("POST", "/api/v1/tokens", Map.of("name", "matrix"), 201)));
        cells.put("DELETE /api/v1/tokens/{id}", new Cell(all, (p, t, s) -> {
            String id = s.getOrDefault(t, "no-such-token");
            // Only an admin of the token's own tenant may revoke another's token; any other
            // tenant's token is not found.
            boolean own = t.equals(p.tenant()) && s.containsKey(t);
            return new Call(
                    "DELETE", "/api/v1/tokens/" + id, null, own && p.roles().contains(Role.ADMIN) ? 204 : 404);
        }));
        cells.put(
                "GET /api/v1/tenants",
                new Cell(superadmin, (p, t, s) -> new Call("GET", "/api/v1/tenants", null, 200)));
        cells.put(
                "POST /api/v1/tenants",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "POST", "/api/v1/tenants", Map.of("name", "t" + UNIQUE.incrementAndGet()), 201)));
        // A superadmin acts on the scratch tenant, so the matrix never disables a tenant it needs.
        cells.put(
                "POST /api/v1/tenants/{name}/disable",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call("POST", "/api/v1/tenants/" + scratchOr(p, t) + "/disable", null, 200)));
        cells.put(
                "POST /api/v1/tenants/{name}/enable",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call("POST", "/api/v1/tenants/" + scratchOr(p, t) + "/enable", null, 200)));
        // Secrets: admins of the caller's own tenant; names of another tenant are simply not found.
        Set<Role> admin = EnumSet.of(Role.ADMIN);
        cells.put("GET /api/v1/secrets", new Cell(admin, (p, t, s) -> new Call("GET", "/api/v1/secrets", null, 200)));
        cells.put(
                "PUT /api/v1/secrets/{name}",
                new Cell(
                        admin,
                        (p, t, s) -> new Call(
                                "PUT", "/api/v1/secrets/m" + UNIQUE.incrementAndGet(), Map.of("value", "x"), 201)));
        cells.put(
                "DELETE /api/v1/secrets/{name}",
                new Cell(
                        admin,
                        (p, t, s) -> new Call("DELETE", "/api/v1/secrets/del-" + t, null, ownIn(p, t) ? 204 : 404)));
        cells.put(
                "POST /api/v1/secrets/{name}/prune",
                new Cell(
                        admin,
                        (p, t, s) -> new Call(
                                "POST", "/api/v1/secrets/prune-" + t + "/prune", null, ownIn(p, t) ? 200 : 404)));
        // The audit log: auditors and admins see their tenant's entries; superadmins any tenant's.
        Set<Role> auditors = EnumSet.of(Role.AUDITOR, Role.ADMIN, Role.SUPERADMIN);
        cells.put("GET /api/v1/audit", new Cell(auditors, (p, t, s) -> new Call("GET", "/api/v1/audit", null, 200)));
        cells.put(
                "GET /api/v1/audit/export",
                new Cell(auditors, (p, t, s) -> new Call("GET", "/api/v1/audit/export?format=jsonl", null, 200)));
        cells.put(
                "GET /api/v1/audit/verify",
                new Cell(auditors, (p, t, s) -> new Call("GET", "/api/v1/audit/verify", null, 200)));
        // Code indexes: repositories exist per tenant (from its GitHub installation); none is installed here, so
        // every caller allowed in learns that the repository is not in its tenant.
        Set<Role> readers = EnumSet.of(Role.ADMIN, Role.OPERATOR, Role.MEMBER, Role.AUDITOR);
        cells.put("GET /api/v1/repos", new Cell(readers, (p, t, s) -> new Call("GET", "/api/v1/repos", null, 200)));
        cells.put(
                "GET /api/v1/repos/{id}/index/events",
                new Cell(readers, (p, t, s) -> new Call("GET", "/api/v1/repos/r-" + t + "/index/events", null, 404)));
        cells.put("GET /api/v1/jobs", new Cell(readers, (p, t, s) -> new Call("GET", "/api/v1/jobs", null, 200)));
        cells.put(
                "POST /api/v1/jobs",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.OPERATOR),
                        (p, t, s) -> new Call("POST", "/api/v1/jobs", Map.of("repo", "r-" + t, "issue", 1), 404)));
        cells.put(
                "GET /api/v1/jobs/{id}",
                new Cell(readers, (p, t, s) -> new Call("GET", "/api/v1/jobs/j-" + t, null, 404)));
        cells.put(
                "POST /api/v1/jobs/{id}/cancel",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.OPERATOR),
                        (p, t, s) -> new Call("POST", "/api/v1/jobs/j-" + t + "/cancel", null, 404)));
        Set<Role> admins = EnumSet.of(Role.ADMIN);
        cells.put(
                "GET /api/v1/tickets/connections",
                new Cell(admins, (p, t, s) -> new Call("GET", "/api/v1/tickets/connections", null, 200)));
        cells.put(
                "POST /api/v1/tickets/connections",
                new Cell(
                        admins,
                        (p, t, s) -> new Call(
                                "POST",
                                "/api/v1/tickets/connections",
                                Map.of(
                                        "kind", "linear",
                                        "name", "linear-" + t,
                                        "repositories", Map.of("ENG", t + "/shop"),
                                        "token", "lin_api_" + UNIQUE.incrementAndGet(),
                                        "webhookSecret", "hook-" + UNIQUE.incrementAndGet()),
                                201)));
        cells.put(
                "GET /api/v1/tickets/connections/{id}",
                new Cell(admins, (p, t, s) -> new Call("GET", "/api/v1/tickets/connections/t-" + t, null, 404)));
        cells.put(
                "PUT /api/v1/tickets/connections/{id}",
                new Cell(
                        admins,
                        (p, t, s) -> new Call(
                                "PUT",
                                "/api/v1/tickets/connections/t-" + t,
                                Map.of("repositories", Map.of("ENG", t + "/shop")),
                                404)));
        cells.put(
                "DELETE /api/v1/tickets/connections/{id}",
                new Cell(admins, (p, t, s) -> new Call("DELETE", "/api/v1/tickets/connections/t-" + t, null, 404)));
        cells.put(
                "GET /api/v1/repos/{id}/index",
                new Cell(readers, (p, t, s) -> new Call("GET", "/api/v1/repos/r-" + t + "/index", null, 404)));
        cells.put(
                "POST /api/v1/repos/{id}/index",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.OPERATOR),
                        (p, t, s) -> new Call("POST", "/api/v1/repos/r-" + t + "/index", null, 404)));
        cells.put(
                "PUT /api/v1/repos/{id}/settings",
                new Cell(
                        admin,
                        (p, t, s) -> new Call(
                                "PUT",
                                "/api/v1/repos/r-" + t + "/settings",
                                Map.of("classifications", List.of("internal"), "agentEnabled", false),
                                404)));
        cells.put(
                "GET /api/v1/repos/{id}/search",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.OPERATOR, Role.MEMBER),
                        (p, t, s) -> new Call("GET", "/api/v1/repos/r-" + t + "/search?q=parser", null, 404)));
        // The GitHub App manifest flow: platform-level, superadmins only; an unknown state is refused before GitHub.
        cells.put(
                "GET /api/v1/github/app-manifest",
                new Cell(superadmin, (p, t, s) -> new Call("GET", "/api/v1/github/app-manifest", null, 200)));
        cells.put(
                "GET /api/v1/github/app-manifest/callback",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "GET", "/api/v1/github/app-manifest/callback?code=c0de&state=unknown", null, 400)));
        // The App entered by hand: superadmins; a key that is not PEM is refused before anything is stored.
        cells.put(
                "GET /api/v1/github/app",
                new Cell(superadmin, (p, t, s) -> new Call("GET", "/api/v1/github/app", null, 200)));
        cells.put(
                "PUT /api/v1/github/app",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "PUT",
                                "/api/v1/github/app",
                                Map.of("appId", 7, "privateKey", "not a key", "webhookSecret", "w"),
                                400)));
        cells.put(
                "GET /api/v1/github/rate-limits",
                new Cell(
                        EnumSet.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR, Role.AUDITOR),
                        (p, t, s) -> new Call("GET", "/api/v1/github/rate-limits", null, 200)));
        cells.put(
                "GET /api/v1/users",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.SUPERADMIN),
                        (p, t, s) -> new Call("GET", "/api/v1/users", null, 200)));
        // Local users managed: a superadmin (platform tenant) names the tenant; changes to a user nobody is are 404.
        cells.put(
                "POST /api/v1/users",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.SUPERADMIN),
                        (p, t, s) -> new Call(
                                "POST",
                                "/api/v1/users" + usersTenant(p),
                                Map.of(
                                        "username",
                                        "matrix" + UNIQUE.incrementAndGet(),
                                        "password",
                                        "a long enough password",
                                        "roles",
                                        List.of("member")),
                                201)));
        cells.put(
                "PUT /api/v1/users/{id}/roles",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.SUPERADMIN),
                        (p, t, s) -> new Call(
                                "PUT",
                                "/api/v1/users/local:nobody/roles" + usersTenant(p),
                                Map.of("roles", List.of("member")),
                                404)));
        for (String change : List.of("disable", "enable")) {
            cells.put(
                    "POST /api/v1/users/{id}/" + change,
                    new Cell(
                            EnumSet.of(Role.ADMIN, Role.SUPERADMIN),
                            (p, t, s) -> new Call(
                                    "POST", "/api/v1/users/local:nobody/" + change + usersTenant(p), null, 404)));
        }
        // The system page: superadmins only (a backup is written each time).
        cells.put(
                "GET /api/v1/system", new Cell(superadmin, (p, t, s) -> new Call("GET", "/api/v1/system", null, 200)));
        cells.put(
                "POST /api/v1/system/backup",
                new Cell(superadmin, (p, t, s) -> new Call("POST", "/api/v1/system/backup", null, 201)));
        cells.put(
                "GET /api/v1/system/support-bundle",
                new Cell(superadmin, (p, t, s) -> new Call("GET", "/api/v1/system/support-bundle", null, 200)));
        // The LLM gateway: the policy is platform-wide (superadmins save it); usage is scoped to the caller's tenant.
        Set<Role> llmReaders = EnumSet.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR, Role.AUDITOR);
        Set<Role> llmOperators = EnumSet.of(Role.SUPERADMIN, Role.ADMIN, Role.OPERATOR);
        cells.put(
                "GET /api/v1/llm/models", new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/llm/models", null, 200)));
        cells.put(
                "GET /api/v1/llm/policy",
                new Cell(llmReaders, (p, t, s) -> new Call("GET", "/api/v1/llm/policy", null, 200)));
        cells.put(
                "PUT /api/v1/llm/policy",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "PUT",
                                "/api/v1/llm/policy",
                                Map.of(
                                        "rules",
                                        List.of(Map.of(
                                                "name", "local", "models", List.of("ollama/*"), "localOnly", true))),
                                200)));
        cells.put(
                "GET /api/v1/llm/policy/versions",
                new Cell(llmReaders, (p, t, s) -> new Call("GET", "/api/v1/llm/policy/versions", null, 200)));
        cells.put(
                "POST /api/v1/llm/dry-run",
                new Cell(
                        llmOperators,
                        (p, t, s) -> new Call(
                                "POST",
                                "/api/v1/llm/dry-run",
                                Map.of("repo", "acme/app", "task", "edit", "prompt", "fix it"),
                                200)));
        cells.put(
                "GET /api/v1/llm/providers",
                new Cell(llmReaders, (p, t, s) -> new Call("GET", "/api/v1/llm/providers", null, 200)));
        cells.put(
                "PUT /api/v1/llm/providers/{name}/key",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "PUT", "/api/v1/llm/providers/gemini/key", Map.of("apiKey", "test-key-1"), 204)));
        // A disabled provider answers at once (ok false), so no call leaves the test.
        cells.put(
                "POST /api/v1/llm/providers/{name}/test",
                new Cell(
                        EnumSet.of(Role.SUPERADMIN, Role.ADMIN),
                        (p, t, s) -> new Call("POST", "/api/v1/llm/providers/gemini/test", null, 200)));
        cells.put(
                "GET /api/v1/llm/usage",
                new Cell(llmReaders, (p, t, s) -> new Call("GET", "/api/v1/llm/usage?by=model", null, 200)));
        // The webhook inbox: admins see what their tenant's installations sent; superadmins everything.
        Set<Role> inboxAdmins = EnumSet.of(Role.ADMIN, Role.SUPERADMIN);
        cells.put(
                "GET /api/v1/github/deliveries/dead",
                new Cell(inboxAdmins, (p, t, s) -> new Call("GET", "/api/v1/github/deliveries/dead", null, 200)));
        cells.put(
                "GET /api/v1/github/deliveries/{guid}",
                new Cell(
                        inboxAdmins,
                        (p, t, s) -> new Call("GET", "/api/v1/github/deliveries/no-such-delivery", null, 404)));
        cells.put(
                "POST /api/v1/github/deliveries/{guid}/replay",
                new Cell(
                        inboxAdmins,
                        (p, t, s) -> new Call("POST", "/api/v1/github/deliveries/no-such-delivery/replay", null, 404)));
        cells.put(
                "GET /api/v1/github/installations",
                new Cell(inboxAdmins, (p, t, s) -> new Call("GET", "/api/v1/github/installations", null, 200)));
        cells.put(
                "PUT /api/v1/github/installations/{id}/tenant",
                new Cell(
                        superadmin,
                        (p, t, s) -> new Call(
                                "PUT", "/api/v1/github/installations/424242/tenant", Map.of("tenant", "acme"), 200)));
        // Privacy: the inventory for everyone signed in; exports and retention for the tenant's admins; deletion for
        // the superadmin (of a tenant that does not exist here: deleting a real one would change later cells).
        cells.put(
                "GET /api/v1/privacy/inventory",
                new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/privacy/inventory", null, 200)));
        cells.put(
                "POST /api/v1/privacy/exports",
                new Cell(admin, (p, t, s) -> new Call("POST", "/api/v1/privacy/exports", null, 202)));
        cells.put(
                "GET /api/v1/privacy/exports",
                new Cell(admin, (p, t, s) -> new Call("GET", "/api/v1/privacy/exports", null, 200)));
        cells.put(
                "GET /api/v1/privacy/exports/{id}",
                new Cell(admin, (p, t, s) -> new Call("GET", "/api/v1/privacy/exports/no-such-export", null, 404)));
        cells.put(
                "GET /api/v1/privacy/exports/{id}/download",
                new Cell(
                        Set.of(),
                        (p, t, s) -> new Call(
                                "GET", "/api/v1/privacy/exports/no-such-export/download?token=wrong", null, 404)));
        // A user's own export: any signed-in user (every principal here is a user, none an API token).
        cells.put(
                "POST /api/v1/privacy/me/exports",
                new Cell(all, (p, t, s) -> new Call("POST", "/api/v1/privacy/me/exports", null, 202)));
        cells.put(
                "GET /api/v1/privacy/me/exports",
                new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/privacy/me/exports", null, 200)));
        cells.put(
                "GET /api/v1/privacy/me/exports/{id}",
                new Cell(all, (p, t, s) -> new Call("GET", "/api/v1/privacy/me/exports/no-such-export", null, 404)));
        cells.put(
                "GET /api/v1/privacy/me/exports/{id}/download",
                new Cell(
                        all,
                        (p, t, s) -> new Call(
                                "GET", "/api/v1/privacy/me/exports/no-such-export/download?token=wrong", null, 404)));
        cells.put(
                "GET /api/v1/privacy/retention",
                new Cell(admin, (p, t, s) -> new Call("GET", "/api/v1/privacy/retention", null, 200)));
        cells.put(
                "PUT /api/v1/privacy/retention",
                new Cell(
                        admin,
                        (p, t, s) -> new Call("PUT", "/api/v1/privacy/retention", Map.of("exportHours", 24), 200)));
        cells.put(
                "DELETE /api/v1/tenants/{name}",
                new Cell(superadmin, (p, t, s) -> new Call("DELETE", "/api/v1/tenants/no-such-" + t, null, 404)));
        // User deletion: a tenant admin in its own tenant, a superadmin in any (of a user nobody is, answered 200
        // with known=false: deleting a real principal would change later cells).
        cells.put(
                "DELETE /api/v1/users/{id}",
                new Cell(
                        EnumSet.of(Role.ADMIN, Role.SUPERADMIN),
                        (p, t, s) -> new Call(
                                "DELETE",
                                "/api/v1/users/local:nobody-" + UNIQUE.incrementAndGet() + "?tenant="
                                        + (p.roles().contains(Role.SUPERADMIN) ? "acme" : p.tenant()),
                                null,
                                200)));
        cells.put(
                "GET /api/v1/privacy/deletions/{name}",
                new Cell(
                        superadmin, (p, t, s) -> new Call("GET", "/api/v1/privacy/deletions/no-such-" + t, null, 404)));
        return cells;
    }

    /** Whether {@code tenant} is the principal's own (each tenant's admin deletes its own target once). */
    private static boolean ownIn(Principal principal, String tenant) {
        return tenant.equals(principal.tenant());
    }

    /** The superadmin (of the platform tenant) names a tenant's users; admins manage their own. */
    private static String usersTenant(Principal principal) {
        return principal.roles().contains(Role.SUPERADMIN) ? "?tenant=acme" : "";
    }

    private static String scratchOr(Principal principal, String tenant) {
        return principal.roles().contains(Role.SUPERADMIN) ? "scratch" : tenant;
    }

    private static int expected(Access access, Principal principal, Call call) {
        if (access.isOpen()) {
            return call.success();
        }
        if (principal.anonymous()) {
            return 401;
        }
        if (access.allowed().stream().noneMatch(principal.roles()::contains)) {
            return 403;
        }
        return call.success();
    }

    private static String otherTenant(String tenant) {
        return tenant.equals("acme") ? "globex" : "acme";
    }

    private static List<Principal> principals() {
        List<Principal> principals = new ArrayList<>();
        principals.add(user("acme-admin", "acme", Role.ADMIN));
        principals.add(user("acme-operator", "acme", Role.OPERATOR));
        principals.add(user("acme-auditor", "acme", Role.AUDITOR));
        principals.add(user("acme-member", "acme", Role.MEMBER));
        principals.add(user("globex-admin", "globex", Role.ADMIN));
        principals.add(user("globex-member", "globex", Role.MEMBER));
        principals.add(user("root", "-", Role.SUPERADMIN));
        principals.add(new Principal("anonymous", "acme", Set.of(), Optional.empty()));
        return principals;
    }

    private static Principal user(String name, String tenant, Role role) {
        return new Principal(
                name,
                tenant,
                Set.of(role),
                Optional.of(keycloak.login(KeycloakServer.REALM, name).accessToken()));
    }

    /** Every /api/v1 route the appliance registers, with its access rule. */
    private static Map<String, Access> routes() {
        return ApiRoutes.of(appliance);
    }

    // --- plumbing ---------------------------------------------------------------------------

    private static HttpResponse<String> send(String method, String path, String bearer, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertTrue(response.statusCode() < 300, response.statusCode() + " " + response.body());
        return JSON.readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, Principal principal) throws Exception {
        assertEquals(
                "application/problem+json",
                response.headers().firstValue("Content-Type").orElse(""),
                response.body());
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(response.statusCode(), problem.path("status").asInt());
        assertFalse(response.body().contains("Exception"), response.body());
        if (principal != null && principal.bearer().isPresent()) {
            assertFalse(response.body().contains(principal.bearer().get()));
        }
    }

    private static String kid(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[0]))
                .path("kid")
                .asText();
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
