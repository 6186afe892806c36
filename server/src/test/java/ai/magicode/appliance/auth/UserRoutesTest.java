package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.ApplianceConfig;
import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.ApiException;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Local users managed through {@code /api/v1/users}: creation with roles, role changes, disabling, and the rules (an
 * admin never grants superadmin nor touches a superadmin's account; the last admin cannot remove themselves), with a
 * test filter standing in for authentication.
 */
@RoutingTest
class UserRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "a long enough password";
    private static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static final AtomicInteger UNIQUE = new AtomicInteger();
    private static ApplianceStore store;
    private static LocalUsers users;
    private static Sessions sessions;
    private static ApiTokens tokens;
    private static Tenants tenants;
    private static UserRoutes routes;

    private final DirectClient client;

    UserRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        store = ApplianceStore.open(Files.createTempDirectory("magicode-user-routes"), List.of());
        users = new LocalUsers(store);
        sessions = new Sessions(Duration.ofHours(1), Clock.systemUTC());
        tokens = new ApiTokens(store, Clock.systemUTC());
        tenants = new Tenants(store);
        routes = new UserRoutes(
                users,
                sessions,
                tokens,
                tenants,
                ApplianceConfig.load(Optional.empty(), Map.of()).auth(),
                EVENTS::add);
        // X-Test-Caller: tenant / subject / roles / kind
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers().first(HeaderNames.create("X-Test-Caller")).ifPresent(text -> {
                String[] parts = text.split("/");
                new Caller(parts[0], parts[1], Caller.Kind.valueOf(parts[3]), RoleNames.parse(parts[2])).attachTo(req);
            });
            chain.proceed();
        });
        new Problems(1 << 20).register(routing);
        routing.register("/api/v1", routes);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Test
    void adminCreatesALocalUserWhoCanSignInWithThoseRoles() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        Http1ClientResponse created = call(
                Method.POST,
                "/api/v1/users",
                as(tenant, admin, "admin"),
                Map.of("username", "bob-" + tenant, "password", PASSWORD, "roles", List.of("operator", "auditor")));
        String body = created.as(String.class);
        assertEquals(201, created.status().code(), body);
        JsonNode user = JSON.readTree(body);
        assertEquals("local:bob-" + tenant, user.path("id").asText());
        assertEquals("[\"auditor\",\"operator\"]", user.path("roles").toString());
        assertTrue(user.path("enabled").asBoolean());
        assertFalse(body.contains(PASSWORD));
        LocalUsers.LocalUser signedIn =
                users.authenticate("bob-" + tenant, PASSWORD.toCharArray()).orElseThrow();
        assertEquals(EnumSet.of(Role.OPERATOR, Role.AUDITOR), signedIn.roles());
        AuditEvent event = last("auth.user.create");
        assertEquals("local:bob-" + tenant, event.target());
        assertEquals(tenant, event.tenant());
        assertEquals("operator,auditor", event.fields().get("roles"));
        assertFalse(event.toString().contains(PASSWORD));
        JsonNode list = JSON.readTree(call(Method.GET, "/api/v1/users", as(tenant, admin, "admin"), null)
                .as(String.class));
        assertEquals(
                Set.of(admin, "local:bob-" + tenant),
                stream(list.path("localUsers")).map(u -> u.path("id").asText()).collect(Collectors.toSet()));
        assertEquals(
                "[\"admin\",\"operator\",\"auditor\",\"member\"]",
                list.path("grantable").toString());
    }

    @Test
    void aTenantAdminCannotGrantSuperadminNorChangeASuperadmin() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        String root = user(tenant, Role.SUPERADMIN, Role.ADMIN);
        String name = "eve-" + tenant;
        assertProblem(
                403,
                call(
                        Method.POST,
                        "/api/v1/users",
                        as(tenant, admin, "admin"),
                        Map.of("username", name, "password", PASSWORD, "roles", List.of("superadmin"))));
        assertFalse(users.nameTaken(name));
        assertProblem(
                403,
                call(
                        Method.PUT,
                        "/api/v1/users/" + root + "/roles",
                        as(tenant, admin, "admin"),
                        Map.of("roles", List.of("member"))));
        assertProblem(403, call(Method.POST, "/api/v1/users/" + root + "/disable", as(tenant, admin, "admin"), null));
        ApiException refused = assertThrows(
                ApiException.class, () -> routes.requireRemovable(caller(tenant, admin, "admin"), tenant, root));
        assertEquals(403, refused.status());
        assertEquals(EnumSet.of(Role.SUPERADMIN, Role.ADMIN), find(tenant, root).roles());
        // A superadmin grants it.
        Http1ClientResponse granted = call(
                Method.PUT,
                "/api/v1/users/" + admin + "/roles",
                as(tenant, root, "superadmin,admin"),
                Map.of("roles", List.of("superadmin", "admin")));
        assertEquals(200, granted.status().code(), granted.as(String.class));
        assertEquals(
                EnumSet.of(Role.SUPERADMIN, Role.ADMIN), find(tenant, admin).roles());
    }

    @Test
    void theLastAdminCannotRemoveThemselves() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        String me = as(tenant, admin, "admin");
        assertProblem(
                409, call(Method.PUT, "/api/v1/users/" + admin + "/roles", me, Map.of("roles", List.of("member"))));
        assertProblem(409, call(Method.POST, "/api/v1/users/" + admin + "/disable", me, null));
        ApiException refused = assertThrows(
                ApiException.class, () -> routes.requireRemovable(caller(tenant, admin, "admin"), tenant, admin));
        assertEquals(409, refused.status());
        assertEquals(EnumSet.of(Role.ADMIN), find(tenant, admin).roles());
        // An admin of another tenant does not count; a second admin here does.
        user(tenant(), Role.ADMIN);
        assertProblem(
                409, call(Method.PUT, "/api/v1/users/" + admin + "/roles", me, Map.of("roles", List.of("member"))));
        user(tenant, Role.ADMIN);
        Http1ClientResponse stepped =
                call(Method.PUT, "/api/v1/users/" + admin + "/roles", me, Map.of("roles", List.of("member")));
        assertEquals(200, stepped.status().code(), stepped.as(String.class));
        assertEquals(EnumSet.of(Role.MEMBER), find(tenant, admin).roles());
    }

    @Test
    void disablingEndsSessionsRevokesTokensAndRefusesSignInUntilEnabled() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        String op = user(tenant, Role.OPERATOR);
        String username = op.substring("local:".length());
        sessions.start(new Caller(tenant, op, Caller.Kind.USER, Set.of(Role.OPERATOR)), Optional.empty());
        ApiTokens.Created token =
                tokens.create(tenant, ApiTokens.Kind.PERSONAL, op, "ci", Set.of(Role.OPERATOR), Duration.ofDays(1));
        Http1ClientResponse disabled =
                call(Method.POST, "/api/v1/users/" + op + "/disable", as(tenant, admin, "admin"), null);
        assertEquals(200, disabled.status().code(), disabled.as(String.class));
        assertFalse(sessions.has(tenant, op));
        assertThrows(AuthException.class, () -> tokens.authenticate(token.secret()));
        assertTrue(users.authenticate(username, PASSWORD.toCharArray()).isEmpty());
        AuditEvent event = last("auth.user.disable");
        assertEquals(op, event.target());
        assertEquals("1", event.fields().get("sessionsEnded"));
        assertEquals("1", event.fields().get("tokensRevoked"));
        JsonNode listed = JSON.readTree(call(Method.GET, "/api/v1/users", as(tenant, admin, "admin"), null)
                .as(String.class));
        assertFalse(stream(listed.path("localUsers"))
                .filter(u -> u.path("id").asText().equals(op))
                .findFirst()
                .orElseThrow()
                .path("enabled")
                .asBoolean());
        assertEquals(
                200,
                call(Method.POST, "/api/v1/users/" + op + "/enable", as(tenant, admin, "admin"), null)
                        .status()
                        .code());
        assertTrue(users.authenticate(username, PASSWORD.toCharArray()).isPresent());
        assertEquals(op, last("auth.user.enable").target());
    }

    @Test
    void aRoleChangeEndsSessionsAndRevokesOnlyTokensBeyondTheNewRoles() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        String op = user(tenant, Role.OPERATOR, Role.AUDITOR);
        sessions.start(new Caller(tenant, op, Caller.Kind.USER, Set.of(Role.OPERATOR, Role.AUDITOR)), Optional.empty());
        ApiTokens.Created operatorToken =
                tokens.create(tenant, ApiTokens.Kind.PERSONAL, op, "op", Set.of(Role.OPERATOR), Duration.ofDays(1));
        ApiTokens.Created auditorToken =
                tokens.create(tenant, ApiTokens.Kind.PERSONAL, op, "au", Set.of(Role.AUDITOR), Duration.ofDays(1));
        Http1ClientResponse changed = call(
                Method.PUT,
                "/api/v1/users/" + op + "/roles",
                as(tenant, admin, "admin"),
                Map.of("roles", List.of("auditor")));
        assertEquals(200, changed.status().code(), changed.as(String.class));
        assertFalse(sessions.has(tenant, op));
        assertThrows(AuthException.class, () -> tokens.authenticate(operatorToken.secret()));
        assertEquals(
                Set.of(Role.AUDITOR), tokens.authenticate(auditorToken.secret()).roles());
        AuditEvent event = last("auth.user.roles");
        assertEquals("operator,auditor", event.fields().get("from"));
        assertEquals("auditor", event.fields().get("to"));
        assertEquals("1", event.fields().get("tokensRevoked"));
    }

    @Test
    void refusesBadInputOtherTenantsAndApiTokensWithoutChangingAnything() throws Exception {
        String tenant = tenant();
        String admin = user(tenant, Role.ADMIN);
        String me = as(tenant, admin, "admin");
        int before = users.list(tenant).size();
        assertProblem(
                400,
                call(
                        Method.POST,
                        "/api/v1/users",
                        me,
                        Map.of("username", "x", "password", "short", "roles", List.of("member"))));
        assertProblem(
                400,
                call(
                        Method.POST,
                        "/api/v1/users",
                        me,
                        Map.of("username", "<img src=x>", "password", PASSWORD, "roles", List.of("member"))));
        assertProblem(
                400,
                call(
                        Method.POST,
                        "/api/v1/users",
                        me,
                        Map.of("username", "ok-" + tenant, "password", PASSWORD, "roles", List.of("owner"))));
        assertProblem(
                400,
                call(
                        Method.POST,
                        "/api/v1/users",
                        me,
                        Map.of("username", "ok-" + tenant, "password", PASSWORD, "roles", List.of())));
        assertProblem(
                409,
                call(
                        Method.POST,
                        "/api/v1/users",
                        me,
                        Map.of(
                                "username",
                                admin.substring("local:".length()),
                                "password",
                                PASSWORD,
                                "roles",
                                List.of("member"))));
        String other = tenant();
        String stranger = user(other, Role.MEMBER);
        assertProblem(403, call(Method.GET, "/api/v1/users?tenant=" + other, me, null));
        assertProblem(404, call(Method.POST, "/api/v1/users/" + stranger + "/disable", me, null));
        assertProblem(
                403,
                call(
                        Method.POST,
                        "/api/v1/users",
                        tenant + "/token:abc/admin/API_TOKEN",
                        Map.of("username", "ok-" + tenant, "password", PASSWORD, "roles", List.of("member"))));
        assertEquals(before, users.list(tenant).size());
        assertTrue(users.find(other, stranger).isPresent());
    }

    // --- plumbing ---------------------------------------------------------------------------

    private static String tenant() {
        String name = "t" + UNIQUE.incrementAndGet();
        tenants.create(name);
        return name;
    }

    /** A new local user of {@code tenant} with these roles; its subject. */
    private static String user(String tenant, Role... roles) {
        String name = "u" + UNIQUE.incrementAndGet();
        users.create(name, tenant, EnumSet.copyOf(Arrays.asList(roles)), PASSWORD.toCharArray());
        return "local:" + name;
    }

    private static LocalUsers.LocalUser find(String tenant, String subject) {
        return users.find(tenant, subject).orElseThrow();
    }

    private static String as(String tenant, String subject, String roles) {
        return tenant + "/" + subject + "/" + roles + "/USER";
    }

    private static Caller caller(String tenant, String subject, String roles) {
        return new Caller(tenant, subject, Caller.Kind.USER, RoleNames.parse(roles));
    }

    private static AuditEvent last(String action) {
        return EVENTS.reversed().stream()
                .filter(e -> e.action().equals(action))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " audited"));
    }

    private Http1ClientResponse call(Method method, String path, String caller, Object body) throws IOException {
        String[] pathAndQuery = path.split("[?]", 2);
        Http1ClientRequest request =
                client.method(method).path(pathAndQuery[0]).header(HeaderNames.create("X-Test-Caller"), caller);
        if (pathAndQuery.length == 2) {
            String[] parameter = pathAndQuery[1].split("=", 2);
            request.queryParam(parameter[0], parameter[1]);
        }
        return body == null
                ? request.request()
                : request.header(HeaderNames.CONTENT_TYPE, "application/json").submit(JSON.writeValueAsString(body));
    }

    private static void assertProblem(int status, Http1ClientResponse response) throws IOException {
        String body = response.as(String.class);
        assertEquals(status, response.status().code(), body);
        JsonNode problem = JSON.readTree(body);
        assertEquals(status, problem.path("status").asInt(), body);
        assertFalse(body.contains("Exception"), body);
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }
}
