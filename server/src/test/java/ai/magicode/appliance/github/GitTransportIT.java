package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.Forwarder;
import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.git.HttpSettings;
import ai.magicode.appliance.git.Workspaces;
import ai.magicode.appliance.secrets.TlsCertificates;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetches and pushes over smart HTTP use the GitHub settings the REST client uses: the CA bundle is the only trust
 * for a GHES behind a company CA (a self-signed server is refused without it), the proxy carries Git traffic, and
 * {@code no-proxy} hosts are reached directly.
 */
class GitTransportIT {
    @TempDir
    Path dir;

    private GhesSimulator ghes;
    private GitHubHarness harness;
    private RepoClient shop;
    private String remoteMain;
    private String fix;
    private Path local;

    @BeforeEach
    void start() throws Exception {
        Path remote = dir.resolve("remote.git");
        try (GitFixture repo = GitFixture.create(remote, true)) {
            remoteMain = repo.file("README.md", "# shop\n").commit("initial");
        }
        local = dir.resolve("local.git");
        try (GitFixture repo = GitFixture.create(local, true)) {
            repo.file("README.md", "# shop\n").commit("initial");
            fix = repo.file("fix.txt", "fixed\n").commit("fix");
        }
        ghes = GhesSimulator.start().withInstallation(9, "acme").withRepo("acme/shop", remote);
        harness = new GitHubHarness(ghes, dir.resolve("data"));
        shop = harness.github.repository("acme", 9, RepoName.parse("acme/shop"), Map.of("contents", "write"));
    }

    @AfterEach
    void stop() {
        harness.close();
        ghes.close();
    }

    @Test
    void fetchesFromAServerTrustedOnlyThroughTheCaBundle() throws Exception {
        TlsCertificates.SelfSigned certificate =
                TlsCertificates.selfSigned(List.of("localhost", "127.0.0.1"), dir.resolve("tls"), true);
        URI plain = shop.gitUrl();
        try (Forwarder front = Forwarder.tlsFront(
                certificate.certFile(),
                certificate.keyFile(),
                URI.create(plain.getScheme() + "://" + plain.getAuthority() + "/"))) {
            URI https = URI.create("https://localhost:" + front.port() + plain.getRawPath());
            String token = shop.token().value();

            Workspaces trusting = Workspaces.open(
                    dir.resolve("ws-trusting"),
                    HttpSettings.of(Optional.of(certificate.certFile()), Optional.empty(), List.of()));
            try (Workspaces.Workspace workspace = trusting.fetch("tls", https, Optional.of(token), "main")) {
                assertEquals(remoteMain, workspace.commit());
            }
            assertFalse(front.seen().isEmpty());

            int before = front.seen().size();
            Workspaces jvmTrust = Workspaces.open(dir.resolve("ws-jvm"));
            GitException refused =
                    assertThrows(GitException.class, () -> jvmTrust.fetch("tls", https, Optional.of(token), "main"));
            assertFalse(refused.getMessage().contains(token), "the token never appears in the error");
            assertEquals(before, front.seen().size(), "no request got past the TLS handshake");
            assertEquals(List.of(), jvmTrust.present(), "nothing half-fetched is left");
        }
    }

    @Test
    void aCaBundleWithoutCertificatesIsNamed() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "no certificates here\n");
        GitException failure = assertThrows(
                GitException.class, () -> HttpSettings.of(Optional.of(empty), Optional.empty(), List.of()));
        assertTrue(failure.getMessage().contains(empty.toString()), failure.getMessage());
    }

    @Test
    void fetchesAndPushesThroughTheProxyExceptForNoProxyHosts() throws Exception {
        try (Forwarder proxy = Forwarder.proxy()) {
            HttpSettings proxied = HttpSettings.of(
                    Optional.empty(), Optional.of(URI.create("http://127.0.0.1:" + proxy.port())), List.of());
            String token = shop.token().value();
            try (Workspaces.Workspace workspace = Workspaces.open(dir.resolve("ws-proxied"), proxied)
                    .fetch("proxy", shop.gitUrl(), Optional.of(token), "main")) {
                assertEquals(remoteMain, workspace.commit());
            }
            assertTrue(
                    proxy.seen().stream().anyMatch(uri -> uri.toString().startsWith(shop.gitUrl() + "/info/refs")),
                    "the fetch went through the proxy: " + proxy.seen());

            PushGuard guard = new PushGuard("magicode/", harness.store, harness.audit::add, proxied);
            PushGuard.Result pushed = guard.push(shop, local, fix, "magicode/fix-1", false);
            assertInstanceOf(PushGuard.Pushed.class, pushed);
            assertTrue(
                    proxy.seen().stream().anyMatch(uri -> uri.getPath().endsWith("/git-receive-pack")),
                    "the push went through the proxy: " + proxy.seen());

            int before = proxy.seen().size();
            HttpSettings bypass = HttpSettings.of(
                    Optional.empty(),
                    Optional.of(URI.create("http://127.0.0.1:" + proxy.port())),
                    List.of("127.0.0.1"));
            try (Workspaces.Workspace workspace = Workspaces.open(dir.resolve("ws-direct"), bypass)
                    .fetch("direct", shop.gitUrl(), Optional.of(token), "main")) {
                assertEquals(remoteMain, workspace.commit());
            }
            assertEquals(before, proxy.seen().size(), "a no-proxy host is reached directly");
        }
    }
}
