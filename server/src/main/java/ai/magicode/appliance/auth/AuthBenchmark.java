package ai.magicode.appliance.auth;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.web.Access;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The figures of {@code magicode bench auth}: the cost of validating one bearer token with a warm JWKS
 * cache (RSA-2048, RS256; a locally generated key and an in-process JWKS, no provider needed), and the
 * requests per second of an authenticated no-op route against the same route unauthenticated, measured
 * alternately in one run on one listener.
 */
public final class AuthBenchmark {
    private AuthBenchmark() {}

    /**
     * The measured figures.
     *
     * @param validationMicros mean time to validate a token with its signature checked, in microseconds
     * @param cachedMicros mean time to validate a token seen before (verified-token cache), in microseconds
     * @param authenticatedPerSecond requests/s of the authenticated route
     * @param openPerSecond requests/s of the same route without authentication
     */
    public record Result(
            double validationMicros, double cachedMicros, double authenticatedPerSecond, double openPerSecond) {
        public double ratio() {
            return authenticatedPerSecond / openPerSecond;
        }
    }

    /** Runs both measurements, printing progress to {@code out}. */
    public static Result run(int validations, Duration slice, int rounds, int concurrency, PrintStream out) {
        try {
            RSAKey key = new RSAKeyGenerator(2048)
                    .keyID("bench")
                    .algorithm(JWSAlgorithm.RS256)
                    .generate();
            String jwks = new JWKSet(key.toPublicJWK()).toString();
            String issuer = "https://sso.bench/realms/magicode";
            BearerTokens bearer = new BearerTokens(
                    issuer,
                    "magicode",
                    "magicode",
                    Set.of("RS256"),
                    Duration.ofSeconds(30),
                    new Jwks(() -> jwks, Duration.ofSeconds(30), Clock.systemUTC()),
                    new ClaimMapping("tenant", "realm_access.roles", Map.of("member", Set.of("magicode-member"))));
            String token = sign(key, issuer);
            bearer.authenticate(token); // fills the JWKS cache
            double[] full = validationCost(bearer, token, validations, true);
            out.printf(
                    "bearer validation, signature checked (RS256, RSA-2048, warm JWKS): mean %.1f µs, p99 of batches %.1f µs over %d validations%n",
                    full[0], full[1], validations);
            double[] cached = validationCost(bearer, token, validations, false);
            out.printf(
                    "bearer validation, token seen before (verified-token cache): mean %.2f µs, p99 of batches %.2f µs over %d validations%n",
                    cached[0], cached[1], validations);
            double[] throughput = throughput(bearer, token, slice, rounds, concurrency, out);
            return new Result(full[0], cached[0], throughput[0], throughput[1]);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] validationCost(BearerTokens bearer, String token, int validations, boolean uncached) {
        for (int i = 0; i < Math.min(20_000, validations); i++) {
            if (uncached) {
                bearer.forget();
            }
            bearer.authenticate(token); // JIT warm-up
        }
        int batch = 100;
        int batches = Math.max(1, validations / batch);
        double[] batchMicros = new double[batches];
        long total = 0;
        for (int b = 0; b < batches; b++) {
            long start = System.nanoTime();
            for (int i = 0; i < batch; i++) {
                if (uncached) {
                    bearer.forget();
                }
                bearer.authenticate(token);
            }
            long elapsed = System.nanoTime() - start;
            total += elapsed;
            batchMicros[b] = elapsed / 1000.0 / batch;
        }
        Arrays.sort(batchMicros);
        return new double[] {
            total / 1000.0 / ((double) batches * batch), batchMicros[(int) Math.min(batches - 1, batches * 0.99)]
        };
    }

    private static double[] throughput(
            BearerTokens bearer, String token, Duration slice, int rounds, int concurrency, PrintStream out) {
        Path dir;
        try {
            dir = Files.createTempDirectory("magicode-bench-auth");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Tenants tenants = new Tenants(store);
            tenants.create("acme");
            Authentication authentication = new Authentication(
                    Optional.of(bearer),
                    new ApiTokens(store, Clock.systemUTC()),
                    new Sessions(Duration.ofHours(1), Clock.systemUTC()),
                    tenants,
                    rejection -> {});
            WebServer server = WebServer.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .routing(routing -> routing.addFilter(authentication)
                            .get("/api/v1/noop", Access.authenticated((req, res) -> res.send("ok")))
                            .get("/api/v1/noop-open", Access.open((req, res) -> res.send("ok"))))
                    .build()
                    .start();
            try {
                URI authenticated = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/noop");
                URI open = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/noop-open");
                load(authenticated, token, Duration.ofSeconds(3), concurrency); // warm-up both paths
                load(open, null, Duration.ofSeconds(3), concurrency);
                double authTotal = 0;
                double openTotal = 0;
                for (int round = 0; round < rounds; round++) {
                    double a = load(authenticated, token, slice, concurrency);
                    double o = load(open, null, slice, concurrency);
                    out.printf("round %d: authenticated %.0f req/s, unauthenticated %.0f req/s%n", round + 1, a, o);
                    authTotal += a;
                    openTotal += o;
                }
                double a = authTotal / rounds;
                double o = openTotal / rounds;
                out.printf(
                        "authenticated no-op route: %.0f req/s; unauthenticated: %.0f req/s; ratio %.2f (%d connections)%n",
                        a, o, a / o, concurrency);
                return new double[] {a, o};
            } finally {
                server.stop();
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    /** Requests/s that {@code concurrency} keep-alive clients get from {@code uri} in {@code duration}. */
    private static double load(URI uri, String token, Duration duration, int concurrency) {
        LongAdder done = new LongAdder();
        LongAdder failed = new LongAdder();
        Instant end = Instant.now().plus(duration);
        long start = System.nanoTime();
        try (ExecutorService workers = Executors.newFixedThreadPool(concurrency)) {
            for (int c = 0; c < concurrency; c++) {
                workers.submit(() -> {
                    HttpClient client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET();
                    if (token != null) {
                        builder.header("Authorization", "Bearer " + token);
                    }
                    HttpRequest request = builder.build();
                    while (Instant.now().isBefore(end)) {
                        try {
                            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                            (response.statusCode() == 200 ? done : failed).increment();
                        } catch (IOException e) {
                            failed.increment();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
        }
        if (failed.sum() > 0) {
            throw new IllegalStateException(failed.sum() + " requests to " + uri + " failed");
        }
        return done.sum() / ((System.nanoTime() - start) / 1e9);
    }

    private static String sign(RSAKey key, String issuer) throws JOSEException {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder()
                        .issuer(issuer)
                        .subject("bench-user")
                        .audience("magicode")
                        .claim("azp", "magicode")
                        .claim("tenant", "acme")
                        .claim("realm_access", Map.of("roles", List.of("magicode-member")))
                        .issueTime(Date.from(now))
                        .expirationTime(Date.from(now.plus(Duration.ofHours(2))))
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp dir; the OS cleans it eventually
        }
    }
}
