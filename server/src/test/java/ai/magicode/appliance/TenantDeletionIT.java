package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Actor;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.index.IndexStatus;
import ai.magicode.appliance.privacy.TenantDeletions;
import ai.magicode.appliance.store.TenantData;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.webserver.WebServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's whole life through the privacy operations: real work in it (a secret, an API token, an indexed repository
 * from a local bare repository, LLM usage), an export downloaded once, then its deletion, after which every file under
 * the data dir is scanned for the tenant's identifiers (in UTF-8 and in the UTF-16 the store writes strings in).
 */
class TenantDeletionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PASSWORD = "correct horse battery staple";
    private static final String TENANT = "zanzibar-widgets";
    private static final String SECRET_NAME = "quixotic-db-password";
    private static final String SECRET_VALUE = "s3cr3t-value-that-must-never-leak";
    private static final String REPO = "918273645";
    private static final String FILE_MARKER = "FlibbertigibbetCalculator";
    private static final String USER = "wilhelmina-quartermaine";

    @TempDir
    Path dataDir;

    @TempDir
    Path repos;

    private Appliance appliance;
    private URI base;
    private Map<String, String> session;

    @BeforeEach
    void start() {
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env()));
        WebServer server = appliance.start();
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    private Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MAGICODE_DATA_DIR", dataDir.toString());
        env.put("MAGICODE_SERVER_PORT", "0");
        env.put("MAGICODE_SERVER_HOST", "127.0.0.1");
        env.put("MAGICODE_INDEX_EMBEDDINGS", "none");
        return env;
    }

    @AfterEach
    void stop() {
        if (appliance != null) {
            appliance.close();
        }
    }

    @Test
    void deletedTenantLeavesNothingButTheAuditTombstone() throws Exception {
        String bearer = signInAsTenantAdmin();
        Map<String, String> auth = Map.of("Authorization", "Bearer " + bearer);
        assertEquals(
                201,
                send("PUT", "/api/v1/secrets/" + SECRET_NAME, auth, Map.of("value", SECRET_VALUE))
                        .statusCode());
        assertEquals(
                200,
                send("PUT", "/api/v1/privacy/retention", auth, Map.of("usageDays", 90))
                        .statusCode());
        assertEquals(
                400,
                send("PUT", "/api/v1/privacy/retention", auth, Map.of("exportHours", 0))
                        .statusCode(),
                "out-of-range retention is refused");
        assertEquals(
                409,
                send("DELETE", "/api/v1/tenants/" + TENANT, session, null).statusCode(),
                "a superadmin cannot delete the tenant they are signed in to");
        assertEquals(
                404,
                send("DELETE", "/api/v1/tenants/no-such-tenant", session, null).statusCode());
        indexARepository();
        // Fresh strings, as a request would bring them: the store keeps a record whose Java object is still reachable
        // (as these constants would stay), since a later store could reference it again.
        appliance
                .usage()
                .add(LocalDate.now(), new String(TENANT), new String(REPO), "admin", "local-model", 120, 30, 0.0);
        appliance.usage().flush();

        Map<String, byte[]> archive = exportAndDownload(auth);
        assertTrue(archive.containsKey("manifest.json"), archive.keySet().toString());
        assertTrue(text(archive.get("secrets.json")).contains(SECRET_NAME), "secret names are exported");
        assertTrue(text(archive.get("llm/usage.json")).contains("local-model"));
        assertTrue(text(archive.get("index/repositories.json")).contains(REPO));
        assertTrue(text(archive.get("audit/entries.jsonl")).contains("secret.create"));
        for (Map.Entry<String, byte[]> file : archive.entrySet()) {
            assertFalse(text(file.getValue()).contains(SECRET_VALUE), file.getKey() + " holds the secret's value");
        }

        appliance.deletions().request(new String(TENANT), Actor.system(), "test");
        TenantDeletions.State state = awaitDeletion();
        assertEquals(TenantDeletions.State.DONE, state);

        assertEquals(401, send("GET", "/api/v1/auth/me", auth, null).statusCode(), "the API token is gone");
        assertEquals(
                401,
                send("POST", "/api/v1/auth/login", Map.of(), Map.of("username", "admin", "password", PASSWORD))
                        .statusCode(),
                "the tenant's local user is gone");
        // A restart compacts the store once more: records the deleting process still held as Java objects go too.
        appliance.close();
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env()));
        appliance.start();
        List<String> hits = scan(List.of(TENANT, SECRET_NAME, SECRET_VALUE, REPO, FILE_MARKER));
        hits.addAll(auditHits(List.of(TENANT, SECRET_NAME, SECRET_VALUE, REPO, FILE_MARKER)));
        if (!hits.isEmpty()) {
            try (Stream<Path> walk = Files.walk(dataDir.resolve("store"))) {
                for (Path ptd : walk.filter(p -> p.toString().endsWith(".ptd")).toList()) {
                    Files.readAllLines(ptd).stream()
                            .filter(line -> line.contains("ai.magicode"))
                            .forEach(hits::add);
                }
            }
        }
        assertTrue(hits.isEmpty(), "found after the deletion:\n" + String.join("\n", hits));
        List<String> readable = new ArrayList<>();
        appliance.audit().tenantData().export().accept(TENANT, new TenantData.Sink() {
            @Override
            public void add(String file, Object document) {
                readable.add(String.valueOf(document));
            }

            @Override
            public void addJsonLines(String file, List<String> lines) {
                readable.addAll(lines);
            }
        });
        assertEquals(List.of(), readable, "no audit entry opens as the tenant's once its keys are destroyed");
        String audit = auditText();
        assertTrue(audit.contains("\"privacy.tenant.delete\""), "the tombstone is in the audit log");
        assertFalse(audit.contains(SECRET_VALUE));
    }

    @Test
    void deletedUserLeavesNothingButTheTenantsTombstone() throws Exception {
        // The user is a second admin of the tenant, created by the first one (a superadmin's account and the last admin
        // are not deleted by a tenant admin), and deletes their own account with their own token.
        signInAsTenantAdmin();
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/users",
                session,
                Map.of("username", USER, "password", PASSWORD, "roles", List.of("admin")));
        assertEquals(201, created.statusCode(), created.body());
        String bearer = signIn(USER);
        Map<String, String> auth = Map.of("Authorization", "Bearer " + bearer);
        assertEquals(
                201,
                send("PUT", "/api/v1/secrets/" + SECRET_NAME, session, Map.of("value", SECRET_VALUE))
                        .statusCode(),
                "audited with the user as its actor");
        appliance.usage().add(LocalDate.now(), new String(TENANT), "1", "local:" + USER, "local-model", 120, 30, 0.0);
        appliance.usage().flush();
        HttpResponse<String> export = send("POST", "/api/v1/privacy/exports", session, null);
        assertEquals(202, export.statusCode(), export.body());
        awaitExport(JSON.readTree(export.body()).path("id").asText(), auth);
        assertEquals(
                401,
                send("DELETE", "/api/v1/users/local:" + USER, Map.of(), null).statusCode(),
                "anonymous callers are refused");
        assertEquals(
                403,
                send("DELETE", "/api/v1/users/local:" + USER + "?tenant=other-tenant", auth, null)
                        .statusCode(),
                "an admin token (not a superadmin) deletes users of its own tenant only");
        assertEquals(400, send("DELETE", "/api/v1/users/%20", auth, null).statusCode(), "a blank id is refused");

        HttpResponse<String> deleted = send("DELETE", "/api/v1/users/local:" + USER, auth, null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        JsonNode body = JSON.readTree(deleted.body());
        assertTrue(body.path("known").asBoolean(), deleted.body());
        assertEquals(TENANT, body.path("tenant").asText());
        assertEquals(401, send("GET", "/api/v1/auth/me", auth, null).statusCode(), "the user's API token is gone");
        assertEquals(401, send("GET", "/api/v1/auth/me", session, null).statusCode(), "the user's session is gone");
        assertTrue(appliance.usage().rows(TENANT).isEmpty(), "the user's usage rows are gone");

        appliance.close();
        appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env()));
        appliance.start();
        List<String> hits = scan(List.of(USER));
        hits.addAll(auditHits(List.of(USER)));
        assertTrue(hits.isEmpty(), "found after the deletion:\n" + String.join("\n", hits));
        List<String> entries = auditEntries(TENANT);
        assertTrue(
                entries.stream()
                        .anyMatch(e -> e.contains("\"privacy.user.delete\"") && e.contains("\"local:" + USER + "\"")),
                "the tenant's auditors keep the tombstone: " + entries);
        assertTrue(
                entries.stream().anyMatch(e -> e.contains("\"secret.create\"") && e.contains("\"id\":\"[erased]\"")),
                "where the user acted, the actor is erased: " + entries);
        assertTrue(
                entries.stream().anyMatch(e -> e.contains("\"target\":\"" + SECRET_NAME + "\"")),
                "the tenant's own values stay readable");
    }

    private List<String> auditEntries(String tenant) {
        List<String> readable = new ArrayList<>();
        appliance.audit().tenantData().export().accept(tenant, new TenantData.Sink() {
            @Override
            public void add(String file, Object document) {
                readable.add(String.valueOf(document));
            }

            @Override
            public void addJsonLines(String file, List<String> lines) {
                readable.addAll(lines);
            }
        });
        return readable;
    }

    private void awaitExport(String id, Map<String, String> auth) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        String state = "building";
        while (state.equals("building") && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = JSON.readTree(send("GET", "/api/v1/privacy/exports/" + id, auth, null)
                            .body())
                    .path("state")
                    .asText();
        }
        assertEquals("ready", state);
    }

    private String signInAsTenantAdmin() throws Exception {
        return signInAsTenantAdmin("admin");
    }

    private String signInAsTenantAdmin(String username) throws Exception {
        String token = Files.readString(dataDir.resolve("setup-token")).trim();
        HttpResponse<String> setup = send(
                "POST",
                "/api/v1/setup",
                Map.of(),
                Map.of("token", token, "username", username, "password", PASSWORD, "tenant", TENANT));
        assertEquals(201, setup.statusCode(), setup.body());
        return signIn(username);
    }

    /** Signs {@code username} in (the session) and returns a new admin API token of theirs. */
    private String signIn(String username) throws Exception {
        HttpResponse<String> login =
                send("POST", "/api/v1/auth/login", Map.of(), Map.of("username", username, "password", PASSWORD));
        assertEquals(200, login.statusCode(), login.body());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        String csrf = JSON.readTree(login.body()).path("csrfToken").asText();
        session = Map.of("Cookie", cookie.substring(0, cookie.indexOf(';')), "X-CSRF-Token", csrf);
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/tokens",
                Map.of("Cookie", cookie.substring(0, cookie.indexOf(';')), "X-CSRF-Token", csrf),
                Map.of("name", "ci", "kind", "service", "scopes", List.of("admin"), "expiresInDays", 7));
        assertEquals(201, created.statusCode(), created.body());
        return JSON.readTree(created.body()).path("token").asText();
    }

    private void indexARepository() throws Exception {
        try (GitFixture origin = GitFixture.create(repos.resolve("origin.git"), true)) {
            origin.file("src/" + FILE_MARKER + ".java", "class " + FILE_MARKER + " { long " + FILE_MARKER + "() {} }");
            origin.commit("first");
            appliance
                    .indexes()
                    .request(
                            TENANT,
                            REPO,
                            () -> appliance
                                    .workspaces()
                                    .fetch("index-" + REPO, origin.dir().toUri(), Optional.empty(), "main"),
                            Actor.system());
            IndexStatus status = appliance.indexes().await(TENANT, REPO, Duration.ofSeconds(60));
            assertEquals(IndexStatus.State.READY, status.state(), status.toString());
        }
    }

    private Map<String, byte[]> exportAndDownload(Map<String, String> auth) throws Exception {
        HttpResponse<String> requested = send("POST", "/api/v1/privacy/exports", auth, null);
        assertEquals(202, requested.statusCode(), requested.body());
        JsonNode export = JSON.readTree(requested.body());
        String id = export.path("id").asText();
        Instant deadline = Instant.now().plusSeconds(60);
        String state = export.path("state").asText();
        while (state.equals("building") && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = JSON.readTree(send("GET", "/api/v1/privacy/exports/" + id, auth, null)
                            .body())
                    .path("state")
                    .asText();
        }
        assertEquals("ready", state);
        String path = export.path("downloadPath").asText();
        HttpResponse<byte[]> download =
                HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        HttpResponse<byte[]> again =
                HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(404, again.statusCode(), "the link works once");
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(download.body()))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                files.put(entry.getName(), zip.readAllBytes());
            }
        }
        return files;
    }

    private TenantDeletions.State awaitDeletion() {
        Instant deadline = Instant.now().plusSeconds(60);
        TenantDeletions.State state = TenantDeletions.State.RUNNING;
        while (state == TenantDeletions.State.RUNNING && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            state = appliance
                    .deletions()
                    .status(TENANT)
                    .map(TenantDeletions.Status::state)
                    .orElse(TenantDeletions.State.RUNNING);
        }
        return state;
    }

    /**
     * The audit log's files, line by line, for each needle: only the tombstone (a platform entry) may name the tenant;
     * every other entry of the tenant was sealed under its audit key, which the deletion destroyed.
     */
    private List<String> auditHits(List<String> needles) throws IOException {
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dataDir.resolve(Appliance.AUDIT_DIR))) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                if (line.contains("\"action\":\"privacy.tenant.delete\"") && line.contains("\"tenant\":\"-\"")) {
                    continue;
                }
                for (String needle : needles) {
                    if (line.contains(needle)) {
                        hits.add(dataDir.relativize(file) + ": " + needle + " in " + line);
                    }
                }
            }
        }
        return hits;
    }

    /**
     * Every file under the data dir except the audit log (read line by line in {@link #auditHits}), searched for each
     * needle in UTF-8 and UTF-16 (both byte orders).
     */
    private List<String> scan(List<String> needles) throws IOException {
        List<String> hits = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dataDir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !dataDir.relativize(p).startsWith(Appliance.AUDIT_DIR))
                    .toList();
        }
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            for (String needle : needles) {
                for (var charset :
                        List.of(StandardCharsets.UTF_8, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
                    int at = indexOf(bytes, needle.getBytes(charset));
                    if (at >= 0) {
                        int from = Math.max(0, at - 48);
                        int to = Math.min(bytes.length, at + needle.length() * 2 + 48);
                        hits.add(dataDir.relativize(file) + ": " + needle + " (" + charset + ") in "
                                + java.util.HexFormat.of().formatHex(bytes, from, to));
                    }
                }
            }
        }
        return hits;
    }

    private String auditText() throws IOException {
        StringBuilder text = new StringBuilder();
        try (Stream<Path> walk = Files.walk(dataDir.resolve(Appliance.AUDIT_DIR))) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                text.append(Files.readString(file, StandardCharsets.ISO_8859_1));
            }
        }
        return text.toString();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(String method, String path, Map<String, String> headers, Object body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
