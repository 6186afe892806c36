package ai.magicode.appliance.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real TLS handshake on the loopback interface with a generated, loaded-back key pair. */
class TlsHandshakeTest {
    private static final char[] STORE_PASSWORD = "unused".toCharArray();

    @TempDir
    Path dir;

    private TlsKeyPair pair;
    private HttpsServer server;

    @BeforeEach
    void startServer() throws Exception {
        var generated = TlsCertificates.selfSigned(List.of("magicode.example.com"), dir, false);
        pair = TlsCertificates.load(generated.certFile(), generated.keyFile());

        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry(
                "tls", pair.privateKey(), STORE_PASSWORD, pair.chain().toArray(Certificate[]::new));
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, STORE_PASSWORD);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/", exchange -> {
            byte[] body = "hello over TLS".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void clientTrustingTheGeneratedCertificateCompletesHandshake() throws Exception {
        try (HttpClient client = clientTrusting(pair.leaf())) {
            // 127.0.0.1 is always in the certificate's subject alternative names; HttpClient checks it.
            HttpResponse<String> response = client.send(request(), HttpResponse.BodyHandlers.ofString());

            assertEquals(200, response.statusCode());
            assertEquals("hello over TLS", response.body());
            Certificate[] peer = response.sslSession().orElseThrow().getPeerCertificates();
            assertEquals(pair.leaf(), peer[0]);
        }
    }

    @Test
    void clientTrustingAnotherCertificateRefusesHandshake() throws Exception {
        var other = TlsCertificates.selfSigned(List.of(), dir.resolve("other"), false);
        X509Certificate otherCert =
                TlsCertificates.load(other.certFile(), other.keyFile()).leaf();

        try (HttpClient client = clientTrusting(otherCert)) {
            assertThrows(
                    SSLHandshakeException.class, () -> client.send(request(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    private HttpRequest request() {
        return HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/"))
                .build();
    }

    private static HttpClient clientTrusting(X509Certificate certificate) throws Exception {
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        trustStore.setCertificateEntry("server", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trustStore);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trustManagers.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(clientTls).build();
    }
}
