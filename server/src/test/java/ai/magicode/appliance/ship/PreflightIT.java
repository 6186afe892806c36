package ai.magicode.appliance.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.secrets.TlsCertificates;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preflight against local fakes: a fake {@code kubectl} script, an HTTPS server with its own CA standing in for GHES
 * and the OIDC provider, and a plain HTTP model endpoint.
 */
class PreflightIT {
    @TempDir
    Path dir;

    private HttpsServer https;
    private HttpServer http;
    private Path caFile;

    @BeforeEach
    void servers() throws Exception {
        var selfSigned = TlsCertificates.selfSigned(List.of("localhost", "127.0.0.1"), dir.resolve("tls"), true);
        caFile = selfSigned.certFile();
        var pair = TlsCertificates.load(selfSigned.certFile(), selfSigned.keyFile());
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", pair.privateKey(), new char[0], pair.chain().toArray(Certificate[]::new));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        https.createContext("/api/v3/meta", exchange -> answer(exchange, 200, "{\"installed_version\":\"3.19.0\"}"));
        https.createContext(
                "/realms/magicode/.well-known/openid-configuration",
                exchange -> answer(exchange, 200, "{\"issuer\":\"x\"}"));
        https.start();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/v1", exchange -> answer(exchange, 404, "{}"));
        http.start();
    }

    @AfterEach
    void stop() {
        https.stop(0);
        http.stop(0);
    }

    @Test
    void passesWhenClusterAndEndpointsAreFine() throws IOException {
        var report = preflight(kubectl("30", true, true), values(""), caFile).run();
        assertTrue(report.ok(), report::text);
        Map<String, Preflight.Status> status = statuses(report);
        assertEquals(Preflight.Status.PASS, status.get("Kubernetes version"));
        assertEquals(Preflight.Status.PASS, status.get("storage class"));
        assertEquals(Preflight.Status.PASS, status.get("GitHub API"));
        assertEquals(Preflight.Status.PASS, status.get("OIDC provider"));
        assertEquals(Preflight.Status.PASS, status.get("model endpoint local"));
        assertTrue(report.text().contains("TLS trusted"), report.text());
        assertTrue(report.text().endsWith("Ready to install.\n"), report.text());
    }

    @Test
    void reportsEachProblemReadably() throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        List<Path> values = values("""
                airGapped: true
                proxy:
                  https: http://proxy.corp:3128
                llm:
                  providers:
                    - name: gone
                      baseUrl: http://127.0.0.1:%d/v1
                """.formatted(closedPort));
        // No --ca-file: the HTTPS fakes' certificate is not trusted.
        var report = preflight(kubectl("25", false, true), values, null).run();
        assertFalse(report.ok());
        Map<String, Preflight.Status> status = statuses(report);
        assertEquals(Preflight.Status.FAIL, status.get("Kubernetes version"));
        assertEquals(Preflight.Status.FAIL, status.get("storage class"));
        assertEquals(Preflight.Status.FAIL, status.get("egress policy"));
        assertEquals(Preflight.Status.FAIL, status.get("GitHub API"));
        assertEquals(Preflight.Status.FAIL, status.get("model endpoint gone"));
        String text = report.text();
        assertTrue(text.contains("1.25 is older than 1.27"), text);
        assertTrue(text.contains("no default StorageClass"), text);
        assertTrue(text.contains("TLS failed"), text);
        assertTrue(text.contains("unreachable"), text);
        assertTrue(text.contains("airGapped with a proxy"), text);
        assertTrue(text.contains("check(s) failed"), text);
    }

    @Test
    void failsWhenKubectlIsMissingOrTheClusterHasNoNetworkPolicies() throws IOException {
        var missing = new Preflight(new Preflight.Options(
                        Chart.DIR, values(""), dir.resolve("no-kubectl").toString(), caFile, dir, 1))
                .run();
        assertEquals(Preflight.Status.FAIL, statuses(missing).get("Kubernetes version"));
        var noPolicies =
                preflight(kubectl("30", true, false), values(""), caFile).run();
        assertEquals(Preflight.Status.FAIL, statuses(noPolicies).get("egress policy"));
    }

    private Preflight preflight(Path kubectl, List<Path> values, Path ca) {
        return new Preflight(new Preflight.Options(Chart.DIR, values, kubectl.toString(), ca, dir, 1));
    }

    /** The base values (GHES, OIDC and a model on the fakes), then {@code extra} as a second -f file. */
    private List<Path> values(String extra) throws IOException {
        Path base = Files.createTempFile(dir, "values", ".yaml");
        Files.writeString(base, """
                github:
                  apiUrl: https://localhost:%d/api/v3
                oidc:
                  issuer: https://localhost:%d/realms/magicode
                llm:
                  providers:
                    - name: local
                      baseUrl: http://127.0.0.1:%d/v1
                """.formatted(
                        https.getAddress().getPort(),
                        https.getAddress().getPort(),
                        http.getAddress().getPort()));
        Path second = Files.createTempFile(dir, "values", ".yaml");
        Files.writeString(second, extra);
        return List.of(base, second);
    }

    /** A fake kubectl: answers version, storageclass and api-resources like a cluster of version 1.MINOR. */
    private Path kubectl(String minor, boolean defaultClass, boolean networkPolicies) throws IOException {
        Path script = dir.resolve("kubectl-" + minor + defaultClass + networkPolicies);
        String annotation =
                defaultClass ? "\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}," : "";
        Files.writeString(script, """
                #!/bin/sh
                case "$1" in
                  version) echo '{"clientVersion":{"major":"1","minor":"31"},"serverVersion":{"major":"1","minor":"%s","gitVersion":"v1.%s.2"}}' ;;
                  get) echo '{"items":[{"metadata":{%s"name":"standard"}}]}' ;;
                  api-resources) %s ;;
                  *) echo "unexpected: $*" >&2; exit 2 ;;
                esac
                """.formatted(
                        minor,
                        minor,
                        annotation,
                        networkPolicies
                                ? "echo networkpolicies.networking.k8s.io; echo ingresses.networking.k8s.io"
                                : "echo ingresses.networking.k8s.io"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static Map<String, Preflight.Status> statuses(Preflight.Report report) {
        return report.checks().stream()
                .collect(Collectors.toMap(Preflight.Check::name, Preflight.Check::status, (a, b) -> a));
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
