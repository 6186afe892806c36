package ai.magicode.appliance.audit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** POSTs batches of entries as a JSON array ({@code application/json}) to a collector; any 2xx is success. */
final class HttpSink implements AuditForwarder.Sink {
    private final URI url;
    private final HttpClient client;

    HttpSink(URI url) {
        this.url = url;
        // HTTP/1.1: collectors' HTTP inputs speak it, and a cleartext HTTP/2 upgrade attempt on every POST buys
        // nothing.
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public void send(List<AuditEntry> entries) throws IOException {
        StringBuilder body = new StringBuilder("[");
        for (AuditEntry entry : entries) {
            if (body.length() > 1) {
                body.append(',');
            }
            body.append(entry.toJson());
        }
        body.append(']');
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        try {
            int status =
                    client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status / 100 != 2) {
                throw new IOException("the collector answered " + status);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
