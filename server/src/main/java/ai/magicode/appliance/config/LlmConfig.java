package ai.magicode.appliance.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The LLM gateway's settings (section {@code llm}): air-gapped mode, the hosts the egress guard lets through, the
 * price table and one block per provider (base URL, key file, timeout, CA, proxy, whether it is local).
 *
 * @param airGapped refuse every host but {@code localHosts}, at the HTTP-client level
 * @param localHosts host names (or {@code host:port}) inside the customer network
 * @param priceFile an operator's model table replacing the bundled one
 * @param providers the provider blocks by name ({@code openai}, {@code anthropic}, {@code gemini}, {@code ollama},
 *     {@code openai-compatible})
 * @param keyReloadInterval how often the providers' key files are imported again; zero: only at startup
 */
public record LlmConfig(
        boolean airGapped,
        Set<String> localHosts,
        Optional<Path> priceFile,
        Map<String, Provider> providers,
        Duration keyReloadInterval) {
    /** The provider blocks this build knows, as named under {@code llm}. */
    public static final List<String> PROVIDERS =
            List.of("openai", "anthropic", "gemini", "ollama", "openai-compatible");

    public LlmConfig {
        localHosts = Set.copyOf(localHosts);
        providers = Map.copyOf(providers);
    }

    /** Settings that re-read no key file while running (tests, the offline CLI). */
    public LlmConfig(
            boolean airGapped, Set<String> localHosts, Optional<Path> priceFile, Map<String, Provider> providers) {
        this(airGapped, localHosts, priceFile, providers, Duration.ZERO);
    }

    /**
     * One provider endpoint.
     *
     * @param name the block's name, also the provider name in the model table and policies
     * @param enabled whether its models can be chosen
     * @param baseUrl the API base URL
     * @param apiKeyFile a mounted file holding the API key, imported into the vault at startup
     * @param timeout the longest a call (or a stream's silence) may take
     * @param caFile a PEM CA bundle to trust instead of the JDK's (private endpoints)
     * @param proxy an HTTP proxy as {@code host:port}
     * @param local whether the endpoint runs inside the customer network
     * @param requestsPerMinute requests sent in any minute, shared by all calls; 0: unlimited
     * @param tokensPerMinute tokens used in any minute, shared by all calls; 0: unlimited
     */
    public record Provider(
            String name,
            boolean enabled,
            URI baseUrl,
            Optional<Path> apiKeyFile,
            Duration timeout,
            Optional<Path> caFile,
            Optional<String> proxy,
            boolean local,
            long requestsPerMinute,
            long tokensPerMinute) {}

    static LlmConfig from(ConfigValues values) {
        Map<String, Provider> providers = new LinkedHashMap<>();
        for (String name : PROVIDERS) {
            String prefix = "llm." + name + ".";
            Optional<String> proxy = values.optionalString(prefix + "proxy");
            if (proxy.isPresent() && !proxy.get().matches("[A-Za-z0-9.-]+:\\d{1,5}")) {
                throw values.invalid(prefix + "proxy", "host:port of an HTTP proxy");
            }
            providers.put(
                    name,
                    new Provider(
                            name,
                            values.bool(prefix + "enabled"),
                            url(values, prefix + "base-url"),
                            values.optionalPath(prefix + "api-key-file"),
                            values.duration(prefix + "timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                            values.optionalPath(prefix + "ca-file"),
                            proxy,
                            values.bool(prefix + "local"),
                            values.integer(prefix + "requests-per-minute", 0, 1_000_000),
                            values.integer(prefix + "tokens-per-minute", 0, 1_000_000_000)));
        }
        Set<String> hosts = Arrays.stream(values.string("llm.local-hosts").split(","))
                .map(String::trim)
                .filter(h -> !h.isEmpty())
                .collect(Collectors.toSet());
        for (String host : hosts) {
            if (!host.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
                throw values.invalid("llm.local-hosts", "comma-separated host names or host:port pairs");
            }
        }
        return new LlmConfig(
                values.bool("llm.air-gapped"),
                hosts,
                values.optionalPath("llm.price-file"),
                providers,
                values.duration("llm.key-reload-interval", Duration.ZERO, Duration.ofDays(1)));
    }

    private static URI url(ConfigValues values, String key) {
        try {
            URI uri = new URI(values.string(key));
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below with the expected form
        }
        throw values.invalid(key, "an absolute http(s) URL");
    }
}
