package ai.magicode.appliance.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The access rule around a route: 401 without a caller, 403 without a role, through with one. */
@RoutingTest
class AccessRoutesTest {
    private static final HeaderName CALLER = HeaderNames.create("X-Test-Caller");

    private final DirectClient client;

    AccessRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) {
        routing.addFilter(new RequestIds());
        // Stands in for the authentication filter: "X-Test-Caller: ROLE" makes a caller with that role.
        routing.addFilter((chain, req, res) -> {
            req.headers()
                    .first(CALLER)
                    .ifPresent(role ->
                            new Caller("acme", "alice", Caller.Kind.USER, Set.of(Role.valueOf(role))).attachTo(req));
            chain.proceed();
        });
        new Problems(1024).register(routing);
        routing.get("/admin-only", Access.roles(Set.of(Role.ADMIN), (req, res) -> res.send("secret stuff")));
        routing.get("/anyone", Access.open((req, res) -> res.send("hello")));
        routing.get(
                "/signed-in",
                Access.authenticated(
                        (req, res) -> res.send(Caller.of(req).orElseThrow().tenant())));
    }

    @Test
    void noCallerIs401ProblemJson() {
        ClientResponseTyped<String> response = client.get("/admin-only").request(String.class);
        assertEquals(Status.UNAUTHORIZED_401, response.status());
        assertEquals(
                Problem.MEDIA_TYPE,
                response.headers().first(HeaderNames.CONTENT_TYPE).orElseThrow());
    }

    @Test
    void callerWithoutRoleIs403() {
        ClientResponseTyped<String> response =
                client.get("/admin-only").header(CALLER, "MEMBER").request(String.class);
        assertEquals(Status.FORBIDDEN_403, response.status());
    }

    @Test
    void callerWithRoleGetsThrough() {
        ClientResponseTyped<String> response =
                client.get("/admin-only").header(CALLER, "ADMIN").request(String.class);
        assertEquals(Status.OK_200, response.status());
        assertEquals("secret stuff", response.entity());
    }

    @Test
    void openRouteNeedsNoCaller() {
        assertEquals("hello", client.get("/anyone").request(String.class).entity());
    }

    @Test
    void authenticatedRouteSeesTheCallersTenant() {
        assertEquals(
                Status.UNAUTHORIZED_401,
                client.get("/signed-in").request(String.class).status());
        assertEquals(
                "acme",
                client.get("/signed-in")
                        .header(CALLER, "AUDITOR")
                        .request(String.class)
                        .entity());
    }

    @Test
    void protectedRouteWithoutRolesIsRefusedAtDefinition() {
        assertThrows(IllegalArgumentException.class, () -> Access.roles(Set.of(), (req, res) -> res.send()));
    }
}
