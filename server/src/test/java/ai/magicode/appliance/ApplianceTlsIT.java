package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.config.ApplianceConfig;
import io.helidon.webserver.WebServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS terminated by the appliance itself, from a generated self-signed key pair. */
class ApplianceTlsIT {
    @TempDir
    Path dataDir;

    @Test
    void servesHttpsWithGeneratedCertificateAndHsts() throws Exception {
        try (Appliance appliance = Appliance.create(ApplianceConfig.load(
                Optional.empty(),
                Map.of(
                        "MAGICODE_DATA_DIR", dataDir.toString(),
                        "MAGICODE_PORT", "0",
                        "MAGICODE_SERVER_TLS_SELF_SIGNED", "true")))) {
            WebServer server = appliance.start();
            assertTrue(server.hasTls());
            Path cert = dataDir.resolve("tls/cert.pem");
            URI uri = URI.create("https://localhost:" + server.port() + "/api/v1/version");

            HttpResponse<String> response =
                    trusting(cert).send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertTrue(response.headers()
                    .firstValue("Strict-Transport-Security")
                    .orElse("")
                    .startsWith("max-age="));

            // A client that does not trust the certificate is refused: it really is TLS with our key.
            assertThrows(
                    SSLHandshakeException.class,
                    () -> HttpClient.newHttpClient()
                            .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void keepsGeneratedKeyPairAcrossRestarts() throws Exception {
        Map<String, String> env = Map.of(
                "MAGICODE_DATA_DIR",
                dataDir.toString(),
                "MAGICODE_PORT",
                "0",
                "MAGICODE_SERVER_TLS_SELF_SIGNED",
                "true");
        try (Appliance appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env))) {
            appliance.start();
        }
        byte[] first = Files.readAllBytes(dataDir.resolve("tls/cert.pem"));
        try (Appliance appliance = Appliance.create(ApplianceConfig.load(Optional.empty(), env))) {
            appliance.start();
        }
        assertEquals(new String(first), Files.readString(dataDir.resolve("tls/cert.pem")));
    }

    private static HttpClient trusting(Path certFile) throws Exception {
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(certFile)) {
            certificate =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("magicode", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).build();
    }
}
