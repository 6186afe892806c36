package ai.magicode.appliance.llm;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpMethod;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client every provider model uses (LangChain4j's client interface over the JDK client): each request first
 * passes the {@link EgressGuard}; a response or stream that stays silent longer than the timeout is cut, so no thread
 * hangs on a stalled provider; error statuses carry the provider's {@code retry-after}.
 */
final class GuardedHttpClient implements HttpClient {
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final java.net.http.HttpClient client;
    private final EgressGuard guard;
    private final String provider;
    private final boolean localOnly;
    private final Duration timeout;

    GuardedHttpClient(
            java.net.http.HttpClient client, EgressGuard guard, String provider, boolean localOnly, Duration timeout) {
        this.client = client;
        this.guard = guard;
        this.provider = provider;
        this.localOnly = localOnly;
        this.timeout = timeout;
    }

    /** An HTTP error status from a provider, with its {@code retry-after} when it sent one. */
    static final class ProviderHttpException extends HttpException {
        private final transient Optional<Duration> retryAfter;

        ProviderHttpException(int status, String body, Optional<Duration> retryAfter) {
            super(status, body);
            this.retryAfter = retryAfter;
        }

        Optional<Duration> retryAfter() {
            return retryAfter;
        }
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        HttpResponse<InputStream> response = send(request);
        try (InputStream body = watched(response.body())) {
            String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            return SuccessfulHttpResponse.builder()
                    .statusCode(response.statusCode())
                    .headers(response.headers().map())
                    .body(text)
                    .build();
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        HttpResponse<InputStream> response;
        try {
            response = send(request);
        } catch (RuntimeException e) {
            listener.onError(e);
            return;
        }
        listener.onOpen(SuccessfulHttpResponse.builder()
                .statusCode(response.statusCode())
                .headers(response.headers().map())
                .build());
        try (InputStream body = watched(response.body())) {
            parser.parse(body, listener);
        } catch (IOException | RuntimeException e) {
            listener.onError(e instanceof IOException io ? readFailure(io) : e);
            return;
        }
        listener.onClose();
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        URI uri = URI.create(request.url());
        guard.check(uri, provider, localOnly);
        java.net.http.HttpRequest.Builder builder =
                java.net.http.HttpRequest.newBuilder(uri).timeout(timeout);
        request.headers().forEach((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        if (request.method() == HttpMethod.GET) {
            builder.GET();
        } else {
            String body = request.body() == null ? "" : request.body();
            builder.method(request.method().name(), java.net.http.HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new LlmException(
                    LlmException.Kind.TIMEOUT, provider + " did not answer within " + timeout, Optional.empty(), e);
        } catch (IOException e) {
            throw new LlmException(
                    LlmException.Kind.PROVIDER_ERROR,
                    provider + " could not be reached: " + e.getClass().getSimpleName(),
                    Optional.empty(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LlmException(LlmException.Kind.TIMEOUT, "interrupted while calling " + provider);
        }
        if (response.statusCode() >= 400) {
            String body;
            try (InputStream in = watched(response.body())) {
                byte[] bytes = in.readNBytes(4096);
                body = new String(bytes, StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw new ProviderHttpException(
                    response.statusCode(),
                    body,
                    response.headers().firstValue("retry-after").flatMap(GuardedHttpClient::retryAfter));
        }
        return response;
    }

    /** {@code retry-after} in seconds (the HTTP-date form is rare from model APIs and read as absent). */
    static Optional<Duration> retryAfter(String value) {
        try {
            double seconds = Double.parseDouble(value.trim());
            return seconds >= 0 ? Optional.of(Duration.ofMillis((long) (seconds * 1000))) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private RuntimeException readFailure(IOException e) {
        if (e instanceof InterruptedIOException || e instanceof SilenceException) {
            return new LlmException(
                    LlmException.Kind.TIMEOUT,
                    provider + " stayed silent longer than " + timeout + " in its answer",
                    Optional.empty(),
                    e);
        }
        return new UncheckedIOException(
                provider + " answer broke off: " + e.getClass().getSimpleName(), e);
    }

    private InputStream watched(InputStream in) {
        return new SilenceWatch(in, timeout);
    }

    private static final List<String> RESTRICTED = List.of("host", "connection", "content-length", "expect", "upgrade");

    /** Thrown by a read that the watchdog cut; parsers may hand it to the listener as it is. */
    static final class SilenceException extends IOException {
        SilenceException(String message) {
            super(message);
        }
    }

    /** Closes the stream when one read waits longer than the timeout; the blocked read then fails. */
    private static final class SilenceWatch extends FilterInputStream {
        private final Duration timeout;
        private volatile boolean cut;

        SilenceWatch(InputStream in, Duration timeout) {
            super(in);
            this.timeout = timeout;
        }

        @Override
        public int read() throws IOException {
            ScheduledFuture<?> alarm = arm();
            try {
                return super.read();
            } catch (IOException e) {
                throw cut ? new SilenceException("silent for " + timeout) : e;
            } finally {
                alarm.cancel(false);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            ScheduledFuture<?> alarm = arm();
            try {
                int n = super.read(b, off, len);
                if (cut) {
                    throw new SilenceException("silent for " + timeout);
                }
                return n;
            } catch (IOException e) {
                throw cut ? new SilenceException("silent for " + timeout) : e;
            } finally {
                alarm.cancel(false);
            }
        }

        private ScheduledFuture<?> arm() {
            return WATCHDOG.schedule(
                    () -> {
                        cut = true;
                        try {
                            in.close();
                        } catch (IOException e) {
                            // the blocked read fails either way
                        }
                    },
                    timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "llm-silence-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** Hands LangChain4j's model builders this client; they call it once per model. */
    static final class Builder implements HttpClientBuilder {
        private final GuardedHttpClient client;
        private Duration connectTimeout;
        private Duration readTimeout;

        Builder(GuardedHttpClient client) {
            this.client = client;
        }

        @Override
        public Duration connectTimeout() {
            return connectTimeout;
        }

        @Override
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        @Override
        public Duration readTimeout() {
            return readTimeout;
        }

        @Override
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        @Override
        public HttpClient build() {
            return client;
        }
    }
}
