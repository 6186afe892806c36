package ai.magicode.appliance.auth;

import ai.magicode.appliance.TestRequirements;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak (the Maven Central distribution unpacked under {@code target/keycloak/} by the build),
 * started once per test JVM on loopback with the realms of {@code src/test/resources/keycloak/} and
 * stopped at JVM exit. Tests call {@link #shared()}, which skips them when Keycloak is missing unless
 * {@code MAGICODE_TEST_REQUIRE} requires it.
 */
public final class KeycloakServer {
    /** The main test realm: tenants acme and globex, and a superadmin. */
    public static final String REALM = "magicode";
    /** A second realm: a foreign issuer whose tokens the appliance must refuse. */
    public static final String OTHER_REALM = "other";

    public static final String CLIENT_ID = "magicode";
    public static final String CLIENT_SECRET = "magicode-test-secret";
    /** A client whose access tokens live one second, to test expiry. */
    public static final String SHORT_CLIENT_ID = "magicode-short";

    public static final String SHORT_CLIENT_SECRET = "magicode-short-secret";

    private static final String ADMIN_USER = "kcadmin";
    private static final String ADMIN_PASSWORD = "kcadmin-test-password";
    private static final Duration STARTUP_DEADLINE = Duration.ofSeconds(240);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KeycloakServer shared;
    private static String unavailable;

    private final URI base;
    private final Process process;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private KeycloakServer(URI base, Process process) {
        this.base = base;
        this.process = process;
    }

    /** The one Keycloak of this test JVM, started on first use; skips or fails the test when there is none. */
    public static synchronized KeycloakServer shared() {
        if (shared == null && unavailable == null) {
            try {
                shared = start();
            } catch (RuntimeException | IOException e) {
                unavailable = e.getMessage();
            }
        }
        TestRequirements.require("keycloak", shared != null, unavailable == null ? "" : unavailable);
        return shared;
    }

    /** The issuer URL of {@code realm}. */
    public String issuer(String realm) {
        return base + "realms/" + realm;
    }

    public URI base() {
        return base;
    }

    /** An access token for a user of {@code realm} by the password grant of the console client. */
    public Tokens login(String realm, String user) {
        return login(realm, CLIENT_ID, CLIENT_SECRET, user);
    }

    /** Tokens for {@code user} (password {@code USER-pass}) by the password grant of {@code client}. */
    public Tokens login(String realm, String client, String secret, String user) {
        JsonNode answer = postForm(
                issuer(realm) + "/protocol/openid-connect/token",
                Map.of(
                        "grant_type",
                        "password",
                        "client_id",
                        client,
                        "client_secret",
                        secret,
                        "username",
                        user,
                        "password",
                        user + "-pass",
                        "scope",
                        "openid"));
        return new Tokens(
                answer.path("access_token").asText(), answer.path("id_token").asText());
    }

    /**
     * Rotates the realm's RSA signing key the way an operator would: adds a new active key provider of
     * higher priority and disables the previous ones, so they leave the JWKS.
     */
    public void rotateSigningKey(String realm) {
        String admin = adminToken();
        String realmId =
                getJson(base + "admin/realms/" + realm, admin).path("id").asText();
        JsonNode previous =
                getJson(base + "admin/realms/" + realm + "/components?type=org.keycloak.keys.KeyProvider", admin);
        ObjectNode key = JSON.createObjectNode()
                .put("name", "rotated-" + Instant.now().toEpochMilli())
                .put("providerId", "rsa-generated")
                .put("providerType", "org.keycloak.keys.KeyProvider")
                .put("parentId", realmId);
        ObjectNode config = key.putObject("config");
        config.putArray("priority").add(String.valueOf(1000 + Instant.now().getEpochSecond() % 100_000));
        config.putArray("enabled").add("true");
        config.putArray("active").add("true");
        config.putArray("algorithm").add("RS256");
        config.putArray("keySize").add("2048");
        send("POST", base + "admin/realms/" + realm + "/components", admin, key.toString(), 201);
        for (JsonNode provider : previous) {
            if (provider.path("providerId").asText().startsWith("rsa")) {
                ObjectNode disabled = (ObjectNode) provider.deepCopy();
                ((ObjectNode) disabled.path("config")).putArray("enabled").add("false");
                ((ObjectNode) disabled.path("config")).putArray("active").add("false");
                send(
                        "PUT",
                        base + "admin/realms/" + realm + "/components/"
                                + provider.path("id").asText(),
                        admin,
                        disabled.toString(),
                        204);
            }
        }
    }

    /** Access and ID token of one login. */
    public record Tokens(String accessToken, String idToken) {}

    private String adminToken() {
        return postForm(
                        base + "realms/master/protocol/openid-connect/token",
                        Map.of(
                                "grant_type",
                                "password",
                                "client_id",
                                "admin-cli",
                                "username",
                                ADMIN_USER,
                                "password",
                                ADMIN_PASSWORD))
                .path("access_token")
                .asText();
    }

    private JsonNode postForm(String url, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "Keycloak answered " + response.statusCode() + " to " + url + ": " + response.body());
        }
        return parse(response.body());
    }

    private JsonNode getJson(String url, String bearer) {
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + bearer)
                .GET()
                .build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to " + url);
        }
        return parse(response.body());
    }

    private void send(String method, String url, String bearer, String json, int expected) {
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json))
                .build());
        if (response.statusCode() != expected) {
            throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to " + method + " " + url
                    + ": " + response.body());
        }
    }

    private HttpResponse<String> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeycloakServer start() throws IOException {
        Path home = Path.of(System.getProperty("magicode.keycloak.home", "target/keycloak/keycloak-26.5.6"));
        Path script = home.resolve("bin/kc.sh");
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException("no Keycloak distribution at " + home.toAbsolutePath()
                    + " (the build unpacks it in pre-integration-test: run ./mvnw verify)");
        }
        // A fresh H2 database each run, so --import-realm imports the realms as written.
        Path data = home.resolve("data");
        deleteRecursively(data);
        Path imports = Files.createDirectories(data.resolve("import"));
        for (String realm : List.of(REALM, OTHER_REALM)) {
            try (InputStream in = KeycloakServer.class.getResourceAsStream("/keycloak/" + realm + "-realm.json")) {
                Files.copy(in, imports.resolve(realm + "-realm.json"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        int port = freePort();
        Path log = home.getParent().resolve("keycloak-test.log");
        ProcessBuilder builder = new ProcessBuilder(
                        script.toString(),
                        "start-dev",
                        "--http-host=127.0.0.1",
                        "--http-port=" + port,
                        "--hostname-strict=false",
                        "--import-realm")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", javaHome().toString());
        env.put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process), "keycloak-stop"));
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        KeycloakServer server = new KeycloakServer(base, process);
        server.awaitReady(log);
        return server;
    }

    private void awaitReady(Path log) {
        Instant deadline = Instant.now().plus(STARTUP_DEADLINE);
        URI probe = URI.create(issuer(OTHER_REALM) + "/.well-known/openid-configuration");
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "Keycloak exited with " + process.exitValue() + "; last log lines: " + tail(log));
            }
            try {
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(probe)
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                process.waitFor(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        stop(process);
        throw new IllegalStateException(
                "Keycloak was not ready within " + STARTUP_DEADLINE + "; last log lines: " + tail(log));
    }

    /** The JDK running the tests (25), whatever {@code java} on the PATH is. */
    private static Path javaHome() {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        return java.getParent().getParent();
    }

    private static void stop(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Builds a form-encoded map preserving order; for tests posting forms. */
    static Map<String, String> form(String... pairs) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            form.put(pairs[i], pairs[i + 1]);
        }
        return form;
    }
}
