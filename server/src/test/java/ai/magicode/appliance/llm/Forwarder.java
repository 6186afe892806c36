package ai.magicode.appliance.llm;

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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A one-hop relay in front of a {@link ProviderDouble}: either a TLS front (HTTPS in, plain HTTP to the double), to
 * prove a provider's {@code ca-file} is what the gateway trusts, or a plain HTTP forward proxy (absolute-URI
 * requests), to prove its {@code proxy} setting is used. Records the request targets it saw.
 */
final class Forwarder implements AutoCloseable {
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
    static Forwarder tlsFront(SSLContext tls, URI target) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new Forwarder(server, target);
    }

    /** A forward proxy: relays each absolute-URI request to where it names. */
    static Forwarder proxy() throws IOException {
        return new Forwarder(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), null);
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The request targets as received: absolute URIs for a proxy, paths for a TLS front. */
    List<URI> seen() {
        return List.copyOf(seen);
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            URI received = exchange.getRequestURI();
            seen.add(received);
            URI to = target == null ? received : target.resolve(received.getRawPath());
            HttpRequest.Builder request = HttpRequest.newBuilder(to)
                    .method(
                            exchange.getRequestMethod(),
                            HttpRequest.BodyPublishers.ofByteArray(
                                    exchange.getRequestBody().readAllBytes()));
            for (String header : List.of("Content-Type", "Authorization", "x-api-key", "anthropic-version")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    request.header(header, value);
                }
            }
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers()
                    .firstValue("content-type")
                    .ifPresent(type -> exchange.getResponseHeaders().set("Content-Type", type));
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
