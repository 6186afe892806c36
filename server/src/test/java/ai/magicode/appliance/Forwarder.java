package ai.magicode.appliance;

import ai.magicode.appliance.secrets.TlsCertificates;
import ai.magicode.appliance.secrets.TlsKeyPair;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A one-hop relay in front of a test server (a model double, the GHES simulator): either a TLS front (HTTPS in, plain
 * HTTP out), to prove a configured CA bundle is what a client trusts, or a plain HTTP forward proxy (absolute-URI
 * requests), to prove a proxy setting is used. Relays every header but the hop-by-hop ones, bodies whole. Records
 * the request targets it saw.
 */
public final class Forwarder implements AutoCloseable {
    /** Headers a relay never passes on (and the JDK client refuses to set). */
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection",
            "content-length",
            "transfer-encoding",
            "host",
            "expect",
            "upgrade",
            "keep-alive",
            "proxy-connection",
            "date");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final List<URI> seen = new CopyOnWriteArrayList<>();

    private Forwarder(HttpServer server, URI target) {
        this.server = server;
        this.target = target;
        server.setExecutor(executor);
        server.createContext("/", this::relay);
        server.start();
    }

    /** Answers HTTPS with {@code tls}'s certificate and relays each request to the same path under {@code target}. */
    public static Forwarder tlsFront(SSLContext tls, URI target) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new Forwarder(server, target);
    }

    /**
     * A TLS front presenting the certificate and key of {@code certFile}/{@code keyFile} (PEM, e.g. from
     * {@code TlsCertificates.selfSigned}).
     */
    public static Forwarder tlsFront(Path certFile, Path keyFile, URI target) throws Exception {
        TlsKeyPair pair = TlsCertificates.load(certFile, keyFile);
        char[] password = "relay".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", pair.privateKey(), password, pair.chain().toArray(X509Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return tlsFront(context, target);
    }

    /** A forward proxy: relays each absolute-URI request to where it names. */
    public static Forwarder proxy() throws IOException {
        return new Forwarder(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), null);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The request targets as received: absolute URIs for a proxy, paths for a TLS front. */
    public List<URI> seen() {
        return List.copyOf(seen);
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI received = exchange.getRequestURI();
            seen.add(received);
            URI to = target == null
                    ? received
                    : target.resolve(received.getRawPath()
                            + (received.getRawQuery() == null ? "" : "?" + received.getRawQuery()));
            HttpRequest.Builder request = HttpRequest.newBuilder(to)
                    .method(
                            exchange.getRequestMethod(),
                            HttpRequest.BodyPublishers.ofByteArray(
                                    exchange.getRequestBody().readAllBytes()));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                }
            });
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] body = response.body();
            exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
        client.close();
    }
}
