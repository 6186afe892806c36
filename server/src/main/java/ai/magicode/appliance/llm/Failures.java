package ai.magicode.appliance.llm;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/** Reads what went wrong from the exceptions LangChain4j and the guarded HTTP client throw. */
final class Failures {
    private Failures() {}

    /** The kind of failure behind {@code error}. */
    static LlmException.Kind kind(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof LlmException llm) {
                return llm.kind();
            }
            if (t instanceof GuardedHttpClient.ProviderHttpException http) {
                return http.statusCode() == 429 ? LlmException.Kind.RATE_LIMITED : LlmException.Kind.PROVIDER_ERROR;
            }
            if (t instanceof GuardedHttpClient.SilenceException || t instanceof java.io.InterruptedIOException) {
                return LlmException.Kind.TIMEOUT;
            }
            if (t instanceof UncheckedIOException || t instanceof java.io.IOException) {
                return LlmException.Kind.MALFORMED;
            }
        }
        return LlmException.Kind.MALFORMED;
    }

    /** The provider's {@code retry-after} behind {@code error}, if any. */
    static Optional<Duration> retryAfter(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof GuardedHttpClient.ProviderHttpException http) {
                return http.retryAfter();
            }
        }
        return Optional.empty();
    }

    /** {@code error} as the gateway reports it: an {@link LlmException} whose message holds no provider body. */
    static LlmException typed(Throwable error, String model) {
        LlmException.Kind kind = kind(error);
        if (error instanceof LlmException llm && !(llm instanceof RoutingPolicy.PolicyException)) {
            return llm;
        }
        String status = "";
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof GuardedHttpClient.ProviderHttpException http) {
                status = " (HTTP " + http.statusCode() + ")";
                break;
            }
        }
        return new LlmException(kind, model + " failed: " + kind + status, retryAfter(error), error);
    }
}
