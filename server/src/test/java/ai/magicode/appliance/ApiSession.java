package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.magicode.appliance.github.WebhookSignature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * An admin's API session against a running appliance, as the end-to-end tests use it: first-run setup with the data
 * dir's setup token, sign-in, JSON calls carrying the session cookie and CSRF token, and signed GitHub deliveries.
 */
public final class ApiSession {
    /** The first admin's password in every test that uses this session. */
    public static final String PASSWORD = "correct horse battery staple";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final URI base;
    private String cookie;
    private String csrf;

    /** A session not signed in yet, against the appliance at {@code base}. */
    public ApiSession(URI base) {
        this.base = base;
    }

    /**
     * Creates the first admin {@code admin} and {@code tenant} when the appliance still waits for its setup (its data
     * dir holds a setup token), then signs in as that admin.
     */
    public ApiSession signIn(Path dataDir, String tenant) throws Exception {
        if (Files.exists(dataDir.resolve("setup-token"))
                && !Files.readString(dataDir.resolve("setup-token")).isBlank()) {
            setUp(base, dataDir, "admin", PASSWORD, tenant);
        }
        cookie = null;
        HttpResponse<String> login =
                call("POST", "/api/v1/auth/login", Map.of("username", "admin", "password", PASSWORD));
        assertEquals(200, login.statusCode(), login.body());
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        cookie = setCookie.substring(0, setCookie.indexOf(';'));
        csrf = JSON.readTree(login.body()).path("csrfToken").asText();
        return this;
    }

    /**
     * First-run setup through the API with the token the appliance wrote to {@code dataDir}: the first superadmin and
     * tenant admin {@code username}, and {@code tenant}.
     */
    public static void setUp(URI base, Path dataDir, String username, String password, String tenant) throws Exception {
        HttpResponse<String> setup = new ApiSession(base)
                .call(
                        "POST",
                        "/api/v1/setup",
                        Map.of(
                                "token",
                                Files.readString(dataDir.resolve("setup-token")).trim(),
                                "username",
                                username,
                                "password",
                                password,
                                "tenant",
                                tenant));
        assertEquals(201, setup.statusCode(), setup.body());
    }

    /** One API call, with the session when signed in; {@code body} (or none when null) is sent as JSON. */
    public HttpResponse<String> call(String method, String path, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            request.header("Cookie", cookie).header("X-CSRF-Token", csrf);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts one GitHub delivery signed with {@code secret}, as GitHub sends it, and returns the answer. */
    public HttpResponse<String> deliver(String secret, String guid, String event, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve("/webhooks/github"))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("X-GitHub-Event", event)
                        .header("X-GitHub-Delivery", guid)
                        .header(
                                "X-Hub-Signature-256",
                                WebhookSignature.sign(secret.getBytes(StandardCharsets.UTF_8), bytes))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #deliver(String, String, String, String)} under a new delivery id, expecting it accepted (202). */
    public void deliverAccepted(String secret, String event, String body) throws Exception {
        HttpResponse<String> response = deliver(secret, UUID.randomUUID().toString(), event, body);
        assertEquals(202, response.statusCode(), response.body());
    }
}
