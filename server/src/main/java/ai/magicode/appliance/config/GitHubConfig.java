package ai.magicode.appliance.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The GitHub App the appliance acts as (section {@code github}): which server, which App, how to reach it.
 * The webhook inbox has its own record; the App's private key is only named here (a file), never held.
 *
 * @param apiUrl the REST root: {@code https://api.github.com} or {@code https://HOST/api/v3} for GHES
 * @param appId the App's numeric id; empty until the App is registered (config or manifest flow)
 * @param privateKeyFile the App's private key (PEM, PKCS#1 or PKCS#8), imported into the vault at startup
 * @param caBundleFile PEM certificates trusted for the GitHub server, in addition to none (replaces the JVM's)
 * @param proxy an HTTP proxy ({@code http://host:port}) for calls to GitHub
 * @param noProxy host names (or {@code .suffix}es) reached directly despite the proxy
 * @param branchPrefix the only branches the appliance pushes, e.g. {@code magicode/}
 * @param connectTimeout connection timeout
 * @param readTimeout time to wait for a response
 * @param maxRetries retries of an idempotent call after a transient failure or secondary rate limit
 * @param maxRateLimitWait longest wait for a primary or secondary rate limit to lift before failing the call
 */
public record GitHubConfig(
        URI apiUrl,
        OptionalLong appId,
        Optional<Path> privateKeyFile,
        Optional<Path> caBundleFile,
        Optional<URI> proxy,
        List<String> noProxy,
        String branchPrefix,
        Duration connectTimeout,
        Duration readTimeout,
        int maxRetries,
        Duration maxRateLimitWait) {
    /** The public GitHub's REST root. */
    public static final URI GITHUB_COM = URI.create("https://api.github.com");

    /** Defaults for github.com, for tests and tools. */
    public static GitHubConfig defaults(URI apiUrl) {
        return new GitHubConfig(
                apiUrl,
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(),
                "magicode/",
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                3,
                Duration.ofMinutes(2));
    }

    /** The REST root without a trailing slash, e.g. {@code https://ghe.example.com/api/v3}. */
    public String api() {
        String text = apiUrl.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    /** The GraphQL endpoint: {@code https://api.github.com/graphql}, or {@code https://HOST/api/graphql} for GHES. */
    public URI graphqlUrl() {
        String api = api();
        return URI.create(
                api.endsWith("/api/v3")
                        ? api.substring(0, api.length() - "/v3".length()) + "/graphql"
                        : api + "/graphql");
    }

    /** The uploads root: {@code https://uploads.github.com}, or {@code https://HOST/api/uploads} for GHES. */
    public URI uploadsUrl() {
        String api = api();
        if (api.endsWith("/api/v3")) {
            return URI.create(api.substring(0, api.length() - "/v3".length()) + "/uploads");
        }
        return URI.create(api.replace("://api.", "://uploads."));
    }

    /** The web (and Git) root: {@code https://github.com}, or {@code https://HOST} for GHES. */
    public URI webUrl() {
        String api = api();
        if (api.endsWith("/api/v3")) {
            return URI.create(api.substring(0, api.length() - "/api/v3".length()));
        }
        return URI.create(api.replace("://api.", "://"));
    }

    static GitHubConfig from(ConfigValues values) {
        URI apiUrl = url(values, "github.api-url")
                .orElseThrow(() -> values.invalid(
                        "github.api-url", "the REST root, https://api.github.com or https://HOST/api/v3"));
        String appIdText = values.string("github.app-id");
        OptionalLong appId = OptionalLong.empty();
        if (!appIdText.isEmpty()) {
            appId = OptionalLong.of(values.integer("github.app-id", 1, Long.MAX_VALUE));
        }
        String prefix = values.string("github.branch-prefix");
        if (prefix.isEmpty()
                || !prefix.endsWith("/")
                || prefix.startsWith("/")
                || prefix.startsWith("refs/")
                || !prefix.matches("[A-Za-z0-9._/-]+")
                || prefix.contains("..")
                || prefix.contains("//")) {
            throw values.invalid("github.branch-prefix", "a branch name prefix ending in '/', such as magicode/");
        }
        return new GitHubConfig(
                apiUrl,
                appId,
                values.optionalPath("github.private-key-file"),
                values.optionalPath("github.ca-bundle-file"),
                url(values, "github.proxy"),
                Arrays.stream(values.string("github.no-proxy").split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList(),
                prefix,
                values.duration("github.connect-timeout", Duration.ofMillis(100), Duration.ofMinutes(5)),
                values.duration("github.read-timeout", Duration.ofMillis(100), Duration.ofMinutes(30)),
                (int) values.integer("github.max-retries", 0, 10),
                values.duration("github.max-rate-limit-wait", Duration.ZERO, Duration.ofHours(1)));
    }

    private static Optional<URI> url(ConfigValues values, String key) {
        Optional<String> text = values.optionalString(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text.get());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null
                    && uri.getQuery() == null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below with the expected form
        }
        throw values.invalid(key, "an absolute http(s) URL");
    }
}
