package ai.magicode.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The audit routes with a test filter in place of authentication: header {@code X-Test-Caller:
 * tenant:ROLE,ROLE} attaches that caller.
 */
@RoutingTest
class AuditRoutesTest {
    private static Path dir;
    private static AuditLog log;
    private final DirectClient client;

    AuditRoutesTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws IOException {
        dir = Files.createTempDirectory("audit-routes");
        log = AuditLogs.open(dir, AuditLogs.config(100));
        for (int i = 1; i <= 30; i++) {
            log.append(AuditLogs.event(i));
        }
        log.append(AuditEvent.of("secret.create", "=HYPERLINK(\"http://evil\",\"x\")")
                .tenant("other")
                .actor(Actor.user("@mallory"))
                .field("note", "a,b")
                .success());
        routing.addFilter(new RequestIds()).addFilter((chain, req, res) -> {
            req.headers().first(HeaderNames.create("X-Test-Caller")).ifPresent(value -> {
                String[] parts = value.split(":");
                Set<Role> roles =
                        Arrays.stream(parts[1].split(",")).map(Role::valueOf).collect(Collectors.toSet());
                new Caller(parts[0], "subject", Caller.Kind.USER, roles).attachTo(req);
            });
            chain.proceed();
        });
        new Problems(1 << 20).register(routing);
        routing.register("/api/v1", new AuditRoutes(log));
    }

    @AfterAll
    static void close() throws IOException {
        log.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    private ClientResponseTyped<String> get(String path, String caller) {
        int question = path.indexOf('?');
        var request = client.get(question < 0 ? path : path.substring(0, question));
        if (question >= 0) {
            for (String pair : path.substring(question + 1).split("&")) {
                String[] nameValue = pair.split("=", 2);
                request.queryParam(nameValue[0], nameValue[1]);
            }
        }
        if (caller != null) {
            request.header(HeaderNames.create("X-Test-Caller"), caller);
        }
        return request.request(String.class);
    }

    @Test
    void withoutCallerAnswers401() {
        assertEquals(Status.UNAUTHORIZED_401, get("/api/v1/audit", null).status());
    }

    @Test
    void memberIsForbidden() {
        assertEquals(Status.FORBIDDEN_403, get("/api/v1/audit", "acme:MEMBER").status());
    }

    @Test
    void auditorPagesThroughTheirTenantOnly() {
        ClientResponseTyped<String> first = get("/api/v1/audit?limit=20", "acme:AUDITOR");
        assertEquals(Status.OK_200, first.status());
        assertEquals(20, count(first.entity(), "\"seq\":"));
        assertTrue(first.entity().endsWith("\"nextCursor\":21}"), first.entity());
        ClientResponseTyped<String> second = get("/api/v1/audit?limit=20&cursor=21", "acme:AUDITOR");
        assertEquals(10, count(second.entity(), "\"seq\":"));
        assertTrue(second.entity().endsWith("\"nextCursor\":null}"), second.entity());
        assertFalse(second.entity().contains("secret.create"), "another tenant's entry leaked");
    }

    @Test
    void filtersByActorActionAndTarget() {
        String body = get("/api/v1/audit?actor=user-1&action=test.*&target=target-4", "acme:ADMIN")
                .entity();
        assertEquals(1, count(body, "\"seq\":"), body);
        assertTrue(body.contains("\"target\":\"target-4\""), body);
    }

    @Test
    void askingForAnotherTenantIsForbiddenButAllowedToPlatformAdmins() {
        assertEquals(
                Status.FORBIDDEN_403,
                get("/api/v1/audit?tenant=other", "acme:AUDITOR").status());
        String body = get("/api/v1/audit?tenant=other", "-:SUPERADMIN").entity();
        assertEquals(1, count(body, "\"seq\":"), body);
    }

    @Test
    void badParametersAreProblems() {
        ClientResponseTyped<String> response = get("/api/v1/audit?from=yesterday", "acme:AUDITOR");
        assertEquals(Status.BAD_REQUEST_400, response.status());
        assertTrue(response.entity().contains("ISO-8601"), response.entity());
        assertEquals(
                Status.BAD_REQUEST_400,
                get("/api/v1/audit?limit=0", "acme:AUDITOR").status());
        assertEquals(
                Status.BAD_REQUEST_400,
                get("/api/v1/audit/export?format=xml", "acme:AUDITOR").status());
    }

    @Test
    void jsonLinesExportHoldsTheVerifiableLines() {
        String body = get("/api/v1/audit/export?format=jsonl", "acme:AUDITOR").entity();
        String[] lines = body.split("\n");
        assertEquals(30, lines.length);
        String written = AuditLogs.lines(AuditLogs.segment(dir, 1)).getFirst();
        String hash = written.substring(written.lastIndexOf("\"hash\":"));
        assertTrue(lines[0].endsWith(hash), "the line as written has the same hash: " + lines[0]);
        assertTrue(lines[0].contains("\"target\":\"target-1\""), "opened for the reader: " + lines[0]);
        assertFalse(written.contains("target-1"), "sealed on disk: " + written);
    }

    @Test
    void csvExportNeutralisesFormulas() {
        String body = get("/api/v1/audit/export?format=csv&tenant=other", "-:SUPERADMIN")
                .entity();
        String[] rows = body.split("\r\n");
        assertEquals(2, rows.length, body);
        assertTrue(rows[0].startsWith("seq,time,tenant,"), rows[0]);
        assertTrue(rows[1].contains(",'@mallory,"), rows[1]);
        assertTrue(rows[1].contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","), rows[1]);
    }

    @Test
    void csvCellsAreQuotedAndPrefixed() {
        assertEquals("'-1", AuditRoutes.Csv.cell("-1"));
        assertEquals("'+cmd", AuditRoutes.Csv.cell("+cmd"));
        assertEquals("-", AuditRoutes.Csv.cell("-"));
        assertEquals("\"a,b\"", AuditRoutes.Csv.cell("a,b"));
        assertEquals("plain", AuditRoutes.Csv.cell("plain"));
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }
}
