package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Outcome;
import ai.magicode.appliance.web.Caller;
import ai.magicode.appliance.web.Problems;
import ai.magicode.appliance.web.RequestIds;
import ai.magicode.appliance.web.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The LLM routes with a test filter in place of authentication ({@code X-Test-Caller: tenant:ROLE,ROLE}). */
@RoutingTest
class LlmRoutesTest {
    private static GatewayFixture fixture;
    private final DirectClient client;

    LlmRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        var config = DoubleSetup.create()
                .enable("openai", false)
                .enable("ollama", true)
                .config();
        fixture = new GatewayFixture(Files.createTempDirectory("llm-routes"), config);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        fixture.usage.add(today, "acme", "acme/app", "alice", "openai/gpt-4.1", 100, 50, 0.25);
        fixture.usage.add(today, "globex", "globex/app", "bob", "openai/gpt-4.1", 7, 7, 0.01);
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers().first(HeaderNames.create("X-Test-Caller")).ifPresent(value -> {
                String[] parts = value.split(":");
                Set<Role> roles =
                        Arrays.stream(parts[1].split(",")).map(Role::valueOf).collect(Collectors.toSet());
                new Caller(parts[0], "subject-" + parts[0], Caller.Kind.USER, roles).attachTo(req);
            });
            chain.proceed();
        });
        new Problems(1 << 20).register(routing);
        routing.register(
                "/api/v1",
                new LlmRoutes(
                        fixture.gateway,
                        fixture.usage,
                        ai.magicode.appliance.secrets.Vault.open(
                                fixture.store,
                                ai.magicode.appliance.secrets.MasterKeySource.file(fixture.store.dataDir()),
                                fixture.audit::add),
                        fixture.audit::add));
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void anInvalidPolicyIsRefusedNamingRuleAndFieldAndTheActiveOneStays() {
        ClientResponseTyped<String> good = send("PUT", "/api/v1/llm/policy", "-:SUPERADMIN", """
                {"rules": [{"name": "all-local", "models": ["ollama/*"], "localOnly": true}]}""");
        assertEquals(Status.OK_200, good.status(), good.entity());
        int version = fixture.policies.activeVersion();
        ClientResponseTyped<String> bad = send("PUT", "/api/v1/llm/policy", "-:SUPERADMIN", """
                {"rules": [{"name": "x", "models": ["openai/gpt-9"]}]}""");
        assertEquals(Status.BAD_REQUEST_400, bad.status());
        assertTrue(bad.entity().contains("rule 1 (x): models: openai/gpt-9"), bad.entity());
        assertEquals(version, fixture.policies.activeVersion());
        assertTrue(fixture.audit.stream()
                .anyMatch(e -> e.action().equals("llm.policy.update") && e.outcome() == Outcome.FAILURE));
    }

    @Test
    void onlyTheSuperadminSavesThePlatformPolicy() {
        ClientResponseTyped<String> response = send("PUT", "/api/v1/llm/policy", "acme:ADMIN", """
                {"rules": [{"name": "all-local", "models": ["ollama/*"]}]}""");
        assertEquals(Status.FORBIDDEN_403, response.status());
    }

    @Test
    void dryRunNamesTheRuleAndTheKindsFoundButNeverTheValues() {
        send("PUT", "/api/v1/llm/policy", "-:SUPERADMIN", """
                {"rules": [
                  {"name": "secrets-local", "match": {"sensitive": ["aws-access-key"]}, "models": ["ollama/*"],
                   "localOnly": true},
                  {"name": "default", "models": ["openai/*"]}]}""");
        ClientResponseTyped<String> response = send("POST", "/api/v1/llm/dry-run", "acme:OPERATOR", """
                {"repo": "acme/app", "task": "edit", "prompt": "use AKIAIOSFODNN7EXAMPLE please"}""");
        assertEquals(Status.OK_200, response.status(), response.entity());
        assertTrue(response.entity().contains("\"rule\":\"secrets-local\""), response.entity());
        assertTrue(response.entity().contains("\"aws-access-key\":1"), response.entity());
        assertTrue(response.entity().contains("\"localOnly\":true"), response.entity());
        assertFalse(response.entity().contains("AKIAIOSFODNN7EXAMPLE"));
    }

    @Test
    void dryRunRejectsAnUnknownTask() {
        ClientResponseTyped<String> response =
                send("POST", "/api/v1/llm/dry-run", "acme:OPERATOR", "{\"task\": \"deploy\"}");
        assertEquals(Status.BAD_REQUEST_400, response.status());
    }

    @Test
    void usageIsScopedToTheCallersTenant() {
        ClientResponseTyped<String> acme = send("GET", "/api/v1/llm/usage?by=user", "acme:AUDITOR", null);
        assertEquals(Status.OK_200, acme.status(), acme.entity());
        assertTrue(acme.entity().contains("\"key\":\"alice\""), acme.entity());
        assertFalse(acme.entity().contains("bob"), acme.entity());
        ClientResponseTyped<String> platform = send("GET", "/api/v1/llm/usage?by=tenant", "-:SUPERADMIN", null);
        assertTrue(platform.entity().contains("globex") && platform.entity().contains("acme"), platform.entity());
    }

    @Test
    void usageRejectsABadGrouping() {
        assertEquals(
                Status.BAD_REQUEST_400,
                send("GET", "/api/v1/llm/usage?by=colour", "acme:ADMIN", null).status());
    }

    @Test
    void modelsListsLocality() {
        ClientResponseTyped<String> response = send("GET", "/api/v1/llm/models", "acme:MEMBER", null);
        assertEquals(Status.OK_200, response.status());
        assertTrue(response.entity().contains("\"id\":\"ollama/llama3.1:8b\""), response.entity());
        assertTrue(response.entity().contains("\"local\":true"), response.entity());
        assertFalse(response.entity().contains("anthropic/"), "disabled providers are not listed");
    }

    private ClientResponseTyped<String> send(String method, String path, String caller, String body) {
        int question = path.indexOf('?');
        var request = client.method(io.helidon.http.Method.create(method))
                .path(question < 0 ? path : path.substring(0, question));
        if (question >= 0) {
            for (String pair : path.substring(question + 1).split("&")) {
                String[] nameValue = pair.split("=", 2);
                request.queryParam(nameValue[0], nameValue[1]);
            }
        }
        request.header(HeaderNames.create("X-Test-Caller"), caller);
        if (body == null) {
            return request.request(String.class);
        }
        request.header(HeaderNames.CONTENT_TYPE, "application/json");
        return request.submit(body, String.class);
    }
}
