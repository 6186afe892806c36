package ai.magicode.appliance.llm;

import ai.magicode.appliance.config.LlmConfig;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.googleai.GoogleAiEmbeddingModel;
import dev.langchain4j.model.googleai.GoogleAiGeminiChatModel;
import dev.langchain4j.model.googleai.GoogleAiGeminiStreamingChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds LangChain4j chat models for catalogue entries, one per model and egress mode, each on a
 * {@link GuardedHttpClient} with its provider's base URL, timeout, CA and proxy, and its API key from the vault. The
 * models do not retry themselves: the gateway retries and fails over by policy.
 */
final class Providers {
    private final Map<String, LlmConfig.Provider> config;
    private final EgressGuard guard;
    private final Function<String, Optional<String>> apiKeys;
    private final List<ChatModelListener> listeners;
    private final Map<String, java.net.http.HttpClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Built<ChatModel>> chatModels = new ConcurrentHashMap<>();
    private final Map<String, Built<StreamingChatModel>> streamingModels = new ConcurrentHashMap<>();
    private final Map<String, Built<EmbeddingModel>> embeddingModels = new ConcurrentHashMap<>();

    /** A model built with {@code key}; rebuilt when the provider's key in the vault changes (rotation, no restart). */
    private record Built<T>(String key, T model) {}

    /**
     * @param apiKeys the API key of a provider (by provider name), read from the vault per call: a changed key
     *     rebuilds the model
     * @param listeners attached to every model (accounting)
     */
    Providers(
            Map<String, LlmConfig.Provider> config,
            EgressGuard guard,
            Function<String, Optional<String>> apiKeys,
            List<ChatModelListener> listeners) {
        this.config = config;
        this.guard = guard;
        this.apiKeys = apiKeys;
        this.listeners = List.copyOf(listeners);
    }

    ChatModel chat(ModelSpec spec, boolean localOnly) {
        return cached(chatModels, spec, localOnly, this::buildChat);
    }

    StreamingChatModel streaming(ModelSpec spec, boolean localOnly) {
        return cached(streamingModels, spec, localOnly, this::buildStreaming);
    }

    /**
     * Streams {@code request} from the streaming model of {@code spec}, handing each partial answer to {@code onToken};
     * the future completes with the whole response, or with the model's error.
     */
    CompletableFuture<ChatResponse> stream(
            ModelSpec spec,
            boolean localOnly,
            dev.langchain4j.model.chat.request.ChatRequest request,
            Consumer<String> onToken) {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming(spec, localOnly).chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                onToken.accept(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        return done;
    }

    EmbeddingModel embedding(ModelSpec spec, boolean localOnly) {
        return cached(embeddingModels, spec, localOnly, this::buildEmbedding);
    }

    /** Builds a model of {@code spec} on first use, and again whenever the provider's key in the vault changed. */
    private <T> T cached(Map<String, Built<T>> models, ModelSpec spec, boolean localOnly, Builder<T> builder) {
        String key = key(provider(spec));
        return models.compute(
                        spec.id() + "|" + localOnly,
                        (k, built) -> built != null && built.key().equals(key)
                                ? built
                                : new Built<>(key, builder.build(spec, localOnly, key)))
                .model();
    }

    /**
     * Builds one kind of model for any provider. The LangChain4j builders share no usable type (Gemini's and Ollama's
     * shared base builders are nested in package-private classes), so each chain below hands the same settings to its
     * own builder type.
     */
    @FunctionalInterface
    private interface Builder<T> {
        T build(ModelSpec spec, boolean localOnly, String key);
    }

    private EmbeddingModel buildEmbedding(ModelSpec spec, boolean localOnly, String key) {
        LlmConfig.Provider p = provider(spec);
        GuardedHttpClient.Builder http = http(p, localOnly);
        String url = p.baseUrl().toString();
        return switch (p.name()) {
            case "openai", "openai-compatible" ->
                OpenAiEmbeddingModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .build();
            case "gemini" ->
                GoogleAiEmbeddingModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .build();
            case "ollama" ->
                OllamaEmbeddingModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .build();
            default ->
                throw new LlmException(
                        LlmException.Kind.INVALID, "Provider " + p.name() + " offers no embedding models");
        };
    }

    /** The provider's timeout for {@code spec}. */
    java.time.Duration timeout(ModelSpec spec) {
        return provider(spec).timeout();
    }

    private ChatModel buildChat(ModelSpec spec, boolean localOnly, String key) {
        LlmConfig.Provider p = provider(spec);
        GuardedHttpClient.Builder http = http(p, localOnly);
        String url = p.baseUrl().toString();
        return switch (p.name()) {
            case "openai", "openai-compatible" ->
                OpenAiChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .listeners(listeners)
                        .build();
            case "anthropic" ->
                AnthropicChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .listeners(listeners)
                        .build();
            case "gemini" ->
                GoogleAiGeminiChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .listeners(listeners)
                        .build();
            case "ollama" ->
                OllamaChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .maxRetries(0)
                        .listeners(listeners)
                        .build();
            default -> throw new LlmException(LlmException.Kind.INVALID, "Unknown provider " + p.name());
        };
    }

    private StreamingChatModel buildStreaming(ModelSpec spec, boolean localOnly, String key) {
        LlmConfig.Provider p = provider(spec);
        GuardedHttpClient.Builder http = http(p, localOnly);
        String url = p.baseUrl().toString();
        return switch (p.name()) {
            case "openai", "openai-compatible" ->
                OpenAiStreamingChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .listeners(listeners)
                        .build();
            case "anthropic" ->
                AnthropicStreamingChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .listeners(listeners)
                        .build();
            case "gemini" ->
                GoogleAiGeminiStreamingChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .apiKey(key)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .listeners(listeners)
                        .build();
            case "ollama" ->
                OllamaStreamingChatModel.builder()
                        .httpClientBuilder(http)
                        .baseUrl(url)
                        .modelName(spec.model())
                        .timeout(p.timeout())
                        .listeners(listeners)
                        .build();
            default -> throw new LlmException(LlmException.Kind.INVALID, "Unknown provider " + p.name());
        };
    }

    private LlmConfig.Provider provider(ModelSpec spec) {
        LlmConfig.Provider p = config.get(spec.provider());
        if (p == null || !p.enabled()) {
            throw new LlmException(LlmException.Kind.INVALID, "Provider " + spec.provider() + " is not enabled");
        }
        return p;
    }

    /** The key from the vault; local servers often need none, so a placeholder keeps the builders satisfied. */
    private String key(LlmConfig.Provider p) {
        return apiKeys.apply(p.name()).orElse(p.local() ? "none" : "missing");
    }

    private GuardedHttpClient.Builder http(LlmConfig.Provider p, boolean localOnly) {
        java.net.http.HttpClient client = clients.computeIfAbsent(p.name(), name -> jdkClient(p));
        return new GuardedHttpClient.Builder(new GuardedHttpClient(client, guard, p.name(), localOnly, p.timeout()));
    }

    private static java.net.http.HttpClient jdkClient(LlmConfig.Provider p) {
        java.net.http.HttpClient.Builder builder = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(p.timeout())
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER);
        p.caFile().ifPresent(ca -> builder.sslContext(trusting(ca, p.name())));
        p.proxy().ifPresent(proxy -> {
            int colon = proxy.lastIndexOf(':');
            builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(
                    proxy.substring(0, colon), Integer.parseInt(proxy.substring(colon + 1)))));
        });
        return builder.build();
    }

    private static SSLContext trusting(Path caFile, String provider) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new LlmException(
                        LlmException.Kind.INVALID, "llm." + provider + ".ca-file " + caFile + " holds no certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new LlmException(
                    LlmException.Kind.INVALID,
                    "llm." + provider + ".ca-file " + caFile + " is not a PEM certificate bundle: "
                            + e.getClass().getSimpleName());
        }
    }
}
