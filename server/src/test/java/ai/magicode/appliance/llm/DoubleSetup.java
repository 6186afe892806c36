package ai.magicode.appliance.llm;

import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Gateway configuration pointing providers at {@link ProviderDouble}s: a small builder with defaults. */
final class DoubleSetup {
    private final Map<String, LlmConfig.Provider> providers = new LinkedHashMap<>();
    private boolean airGapped;
    private Set<String> localHosts = Set.of("127.0.0.1", "localhost");
    private Duration timeout = Duration.ofSeconds(5);
    private long requestsPerMinute;

    static DoubleSetup create() {
        DoubleSetup setup = new DoubleSetup();
        for (String name : LlmConfig.PROVIDERS) {
            setup.providers.put(
                    name,
                    new LlmConfig.Provider(
                            name,
                            false,
                            URI.create("http://127.0.0.1:9/"),
                            Optional.empty(),
                            Duration.ofSeconds(5),
                            Optional.empty(),
                            Optional.empty(),
                            false,
                            0,
                            0));
        }
        return setup;
    }

    /** The provider block named after the protocol ({@code openai}, …) serves the double. */
    DoubleSetup provider(ProviderDouble server, Protocol protocol, boolean local) {
        return provider(name(protocol), server, local);
    }

    DoubleSetup provider(String name, ProviderDouble server, boolean local) {
        providers.put(
                name,
                new LlmConfig.Provider(
                        name,
                        true,
                        URI.create(server.baseUrl()),
                        Optional.empty(),
                        timeout,
                        Optional.empty(),
                        Optional.empty(),
                        local,
                        requestsPerMinute,
                        0));
        return this;
    }

    /** Enables a provider at an address nothing listens on (for tests that route but never call). */
    DoubleSetup enable(String name, boolean local) {
        providers.put(
                name,
                new LlmConfig.Provider(
                        name,
                        true,
                        URI.create("http://127.0.0.1:9/v1"),
                        Optional.empty(),
                        timeout,
                        Optional.empty(),
                        Optional.empty(),
                        local,
                        requestsPerMinute,
                        0));
        return this;
    }

    /** The requests-per-minute limit of providers added after this call. */
    DoubleSetup requestsPerMinute(long limit) {
        this.requestsPerMinute = limit;
        return this;
    }

    DoubleSetup timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    DoubleSetup airGapped(boolean airGapped, String... localHosts) {
        this.airGapped = airGapped;
        this.localHosts = Set.of(localHosts);
        return this;
    }

    LlmConfig config() {
        return new LlmConfig(airGapped, localHosts, Optional.empty(), providers);
    }

    static String name(Protocol protocol) {
        return switch (protocol) {
            case OPENAI -> "openai";
            case ANTHROPIC -> "anthropic";
            case GEMINI -> "gemini";
            case OLLAMA -> "ollama";
        };
    }
}
