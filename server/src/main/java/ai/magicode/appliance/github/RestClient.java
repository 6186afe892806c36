package ai.magicode.appliance.github;

import static java.lang.System.Logger.Level.DEBUG;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.GitHubConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.api.WebClientConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP to GitHub's REST (and GraphQL) API on Helidon's WebClient: JSON in and out, {@code Link}-header pagination,
 * conditional GETs with ETags, primary ({@code x-ratelimit-*}) and secondary ({@code retry-after}, 403/429) rate
 * limits, retries with backoff and jitter for idempotent calls only, a custom CA bundle and proxy, and an audit entry
 * for every write. Credentials come per call; they are never logged, audited or put into a message.
 */
final class RestClient {
    private static final System.Logger LOG = System.getLogger(RestClient.class.getName());
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final HeaderName API_VERSION = HeaderNames.create("X-GitHub-Api-Version");
    private static final int MAX_ETAG_ENTRIES = 2000;
    private static final int MAX_PAGES = 1000;

    /** Waits; tests substitute one that records instead of sleeping. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /**
     * One call.
     *
     * @param method HTTP method
     * @param url absolute URL
     * @param authorization the {@code Authorization} header value
     * @param scope whose credentials these are (e.g. {@code app} or {@code installation:42}): rate limits and the
     *     ETag cache are kept per scope
     * @param body JSON body, or null
     * @param audit for writes: the audit entry to complete with the outcome; null for reads
     */
    record Call(String method, URI url, String authorization, String scope, Object body, AuditEvent.Builder audit) {}

    /** An answer: status, the headers the callers use, and the JSON body ({@link MissingNode} when there is none). */
    record Answer(int status, JsonNode json, Map<String, String> headers, boolean fromCache) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
        }
    }

    private record Cached(String etag, Answer answer) {}

    private record Limit(long remaining, Instant reset) {}

    private final GitHubConfig config;
    private final WebClient client;
    private final Consumer<AuditEvent> audit;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Map<String, Cached> etags =
            java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                    return size() > MAX_ETAG_ENTRIES;
                }
            });
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private final Map<String, GitHub.RateBudget> budgets = new ConcurrentHashMap<>();

    RestClient(GitHubConfig config, Consumer<AuditEvent> audit) {
        this(config, audit, Clock.systemUTC(), duration -> Thread.sleep(duration));
    }

    RestClient(GitHubConfig config, Consumer<AuditEvent> audit, Clock clock, Sleeper sleeper) {
        this.config = config;
        this.audit = audit;
        this.clock = clock;
        this.sleeper = sleeper;
        WebClientConfig.Builder builder = WebClient.builder()
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.readTimeout())
                .followRedirects(false)
                .shareConnectionCache(false);
        config.caBundleFile()
                .ifPresent(file -> builder.tls(Tls.builder()
                        .trust(certificates(file))
                        .endpointIdentificationAlgorithm("HTTPS")
                        .build()));
        config.proxy().ifPresent(proxy -> {
            Proxy.Builder p = Proxy.builder()
                    .type(Proxy.ProxyType.HTTP)
                    .host(proxy.getHost())
                    .port(proxy.getPort() > 0 ? proxy.getPort() : 80);
            config.noProxy().forEach(p::addNoProxy);
            builder.proxy(p.build());
        });
        this.client = builder.build();
    }

    GitHubConfig config() {
        return config;
    }

    /** The URL of an API path such as {@code /repos/acme/shop/pulls}. */
    URI api(String path) {
        return URI.create(config.api() + path);
    }

    /** Sends a call, waiting out rate limits and retrying idempotent calls; 4xx/5xx answers throw. */
    Answer send(Call call) {
        try {
            Answer answer = attempt(call);
            if (call.audit() != null) {
                audit.accept(call.audit().field("status", answer.status()).success());
            }
            return answer;
        } catch (RuntimeException e) {
            if (call.audit() != null) {
                GitHubException failure = e instanceof GitHubException g ? g : null;
                audit.accept(call.audit()
                        .field(
                                "status",
                                failure != null && failure.status().isPresent()
                                        ? failure.status().getAsInt()
                                        : "-")
                        .field("error", e.getClass().getSimpleName())
                        .failure());
            }
            throw e;
        }
    }

    /** Every item of a paginated list: follows {@code Link: <…>; rel="next"}; {@code field} names the array, if wrapped. */
    List<JsonNode> list(Call first, String field) {
        List<JsonNode> items = new ArrayList<>();
        URI url = first.url();
        for (int page = 0; url != null; page++) {
            if (page == MAX_PAGES) {
                throw new GitHubException(
                        "More than " + MAX_PAGES + " pages at " + first.url().getPath());
            }
            Answer answer = send(new Call("GET", url, first.authorization(), first.scope(), null, null));
            JsonNode array = field == null ? answer.json() : answer.json().path(field);
            array.forEach(items::add);
            url = nextLink(answer.header("link").orElse(null));
        }
        return items;
    }

    /** The text at a (pre-signed) download URL, fetched without credentials. */
    String download(URI url) {
        try (HttpClientResponse response = client.get().uri(url).request()) {
            if (response.status().code() != 200) {
                throw new GitHubException(
                        "Download answered " + response.status().code(),
                        response.status().code(),
                        null);
            }
            return response.entity().as(String.class);
        } catch (GitHubException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GitHubException("Download failed: " + e.getClass().getSimpleName(), e);
        }
    }

    static URI nextLink(String link) {
        if (link == null) {
            return null;
        }
        Matcher matcher = NEXT_LINK.matcher(link);
        return matcher.find() ? URI.create(matcher.group(1)) : null;
    }

    private Answer attempt(Call call) {
        boolean idempotent = IDEMPOTENT.contains(call.method());
        String cacheKey = call.scope() + " " + call.url();
        Duration waited = Duration.ZERO;
        for (int attempt = 0; ; attempt++) {
            waited = waited.plus(awaitPrimaryLimit(call, waited));
            Cached cached = "GET".equals(call.method()) ? etags.get(cacheKey) : null;
            Answer answer;
            try {
                answer = exchange(call, cached);
            } catch (RuntimeException e) {
                if (e instanceof GitHubException) {
                    throw e;
                }
                if (idempotent && attempt < config.maxRetries() && isTransport(e)) {
                    waited = waited.plus(pause(backoff(attempt)));
                    continue;
                }
                throw new GitHubException(
                        call.method() + " " + call.url().getPath() + " failed: "
                                + e.getClass().getSimpleName(),
                        e);
            }
            remember(call.scope(), answer);
            int status = answer.status();
            if (status == 304 && cached != null) {
                // The cached answer's headers (its Link for the next page among them); a 304 need not repeat them.
                return new Answer(
                        cached.answer().status(),
                        cached.answer().json(),
                        cached.answer().headers(),
                        true);
            }
            if (status < 300 || (status >= 300 && status < 400)) {
                answer.header("etag").ifPresent(etag -> {
                    if ("GET".equals(call.method()) && status == 200) {
                        etags.put(cacheKey, new Cached(etag, answer));
                    }
                });
                return answer;
            }
            Optional<Duration> limitWait = rateLimitWait(answer);
            if (limitWait.isPresent()) {
                Duration wait = limitWait.get();
                if (!idempotent) {
                    throw new GitHubException(
                            call.method() + " " + call.url().getPath() + " hit GitHub's rate limit (" + status
                                    + "); not retried because the call is not idempotent; retry after "
                                    + wait.toSeconds()
                                    + " s",
                            status,
                            null);
                }
                if (attempt >= config.maxRetries() || waited.plus(wait).compareTo(config.maxRateLimitWait()) > 0) {
                    throw new GitHubException(
                            call.method() + " " + call.url().getPath() + " is rate limited by GitHub (" + status
                                    + ") for another " + wait.toSeconds() + " s",
                            status,
                            null);
                }
                waited = waited.plus(pause(wait));
                // The wait covered this limit; do not wait for the same reset again before the retry.
                limits.remove(call.scope());
                continue;
            }
            if (status >= 500 && idempotent && attempt < config.maxRetries()) {
                waited = waited.plus(pause(backoff(attempt)));
                continue;
            }
            throw new GitHubException(
                    call.method() + " " + call.url().getPath() + " answered " + status + message(answer.json()),
                    status,
                    null);
        }
    }

    private static boolean isTransport(RuntimeException e) {
        if (e instanceof UncheckedIOException
                || e instanceof io.helidon.common.buffers.DataReader.InsufficientDataAvailableException) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static String message(JsonNode json) {
        String message = json.path("message").asText("");
        // GitHub's error messages name the problem ("Not Found", "Validation Failed"), never a credential.
        return message.isEmpty() ? "" : ": " + (message.length() > 200 ? message.substring(0, 200) : message);
    }

    private Answer exchange(Call call, Cached cached) {
        // The URL is already encoded (branch names and paths carry %2F); the client must send it as it is.
        HttpClientRequest request = client.method(Method.create(call.method()))
                .skipUriEncoding(true)
                .uri(call.url().toString())
                .header(HeaderNames.ACCEPT, "application/vnd.github+json, application/json")
                .header(API_VERSION, "2022-11-28")
                .header(HeaderNames.USER_AGENT, "magicode-appliance");
        if (call.authorization() != null) {
            request.header(HeaderNames.AUTHORIZATION, call.authorization());
        }
        if (cached != null) {
            request.header(HeaderNames.IF_NONE_MATCH, cached.etag());
        }
        HttpClientResponse response;
        if (call.body() != null) {
            byte[] body;
            try {
                body = JSON.writeValueAsBytes(call.body());
            } catch (IOException e) {
                throw new GitHubException("Cannot encode the request body", e);
            }
            request.header(HeaderNames.CONTENT_TYPE, "application/json");
            response = request.submit(body);
        } else {
            response = request.request();
        }
        try (response) {
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().forEach(h -> headers.put(h.name().toLowerCase(java.util.Locale.ROOT), h.get()));
            byte[] bytes = response.entity().hasEntity() ? response.entity().as(byte[].class) : new byte[0];
            return new Answer(response.status().code(), parse(bytes, headers), Map.copyOf(headers), false);
        }
    }

    private static JsonNode parse(byte[] bytes, Map<String, String> headers) {
        String type = headers.getOrDefault("content-type", "");
        if (bytes.length == 0 || !type.contains("json")) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new GitHubException("GitHub answered malformed JSON (" + bytes.length + " bytes)", e);
        }
    }

    private void remember(String scope, Answer answer) {
        OptionalLong remaining = number(answer.header("x-ratelimit-remaining"));
        OptionalLong reset = number(answer.header("x-ratelimit-reset"));
        if (remaining.isPresent() && reset.isPresent()) {
            limits.put(scope, new Limit(remaining.getAsLong(), Instant.ofEpochSecond(reset.getAsLong())));
            budgets.put(
                    scope,
                    new GitHub.RateBudget(
                            scope,
                            answer.header("x-ratelimit-resource").orElse("core"),
                            number(answer.header("x-ratelimit-limit")).orElse(0),
                            remaining.getAsLong(),
                            Instant.ofEpochSecond(reset.getAsLong()),
                            clock.instant()));
        }
    }

    /** The last {@code x-ratelimit-*} values GitHub answered, per credential scope. */
    List<GitHub.RateBudget> budgets() {
        return budgets.values().stream()
                .sorted(java.util.Comparator.comparing(GitHub.RateBudget::scope))
                .toList();
    }

    /** Before a call: when the scope's primary limit is spent, waits for its reset (or fails when that is too far). */
    private Duration awaitPrimaryLimit(Call call, Duration alreadyWaited) {
        Limit limit = limits.get(call.scope());
        if (limit == null || limit.remaining() > 0) {
            return Duration.ZERO;
        }
        Duration wait = Duration.between(clock.instant(), limit.reset()).plusSeconds(1);
        if (wait.isNegative() || wait.isZero()) {
            limits.remove(call.scope());
            return Duration.ZERO;
        }
        if (alreadyWaited.plus(wait).compareTo(config.maxRateLimitWait()) > 0) {
            throw new GitHubException("GitHub's rate limit for " + call.scope() + " is spent until " + limit.reset()
                    + "; not waiting " + wait.toSeconds() + " s (github.max-rate-limit-wait)");
        }
        LOG.log(DEBUG, "Rate limit of {0} spent; waiting {1} s", call.scope(), wait.toSeconds());
        limits.remove(call.scope());
        return pause(wait);
    }

    /** A 403/429 that is a rate limit: how long to wait (retry-after, else the reset time, else backoff). */
    private Optional<Duration> rateLimitWait(Answer answer) {
        if (answer.status() != 403 && answer.status() != 429) {
            return Optional.empty();
        }
        OptionalLong retryAfter = number(answer.header("retry-after"));
        if (retryAfter.isPresent()) {
            return Optional.of(Duration.ofSeconds(Math.max(1, retryAfter.getAsLong())));
        }
        OptionalLong remaining = number(answer.header("x-ratelimit-remaining"));
        OptionalLong reset = number(answer.header("x-ratelimit-reset"));
        if (remaining.isPresent() && remaining.getAsLong() == 0 && reset.isPresent()) {
            Duration wait = Duration.between(clock.instant(), Instant.ofEpochSecond(reset.getAsLong()))
                    .plusSeconds(1);
            return Optional.of(wait.isNegative() ? Duration.ofSeconds(1) : wait);
        }
        String message = answer.json().path("message").asText("").toLowerCase(java.util.Locale.ROOT);
        if (answer.status() == 429 || message.contains("secondary rate limit") || message.contains("abuse")) {
            // GitHub: without retry-after, wait at least a minute before retrying after a secondary limit.
            return Optional.of(Duration.ofSeconds(60));
        }
        return Optional.empty();
    }

    private Duration pause(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitHubException("Interrupted while waiting for GitHub", e);
        }
        return duration;
    }

    /** Exponential backoff from 1 s with full jitter (half to all of the step), capped at 30 s. */
    static Duration backoff(int attempt) {
        long step = Math.min(30_000L, 1000L << Math.min(attempt, 5));
        return Duration.ofMillis(step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1));
    }

    private static OptionalLong number(Optional<String> text) {
        try {
            return text.map(String::trim)
                    .map(t -> OptionalLong.of(Long.parseLong(t)))
                    .orElse(OptionalLong.empty());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new GitHubException("github.ca-bundle-file " + file + " holds no PEM certificate");
            }
            return certificates;
        } catch (IOException e) {
            throw new GitHubException("github.ca-bundle-file " + file + " cannot be read: " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new GitHubException("github.ca-bundle-file " + file + " is not a PEM certificate bundle", e);
        }
    }
}
