package ai.magicode.appliance.llm;

import java.time.Duration;
import java.util.Optional;

/** A model call or a gateway setting that failed; {@link #kind} says how, so callers can react without parsing text. */
public class LlmException extends RuntimeException {
    /** How a call failed. */
    public enum Kind {
        /** The egress guard refused the host (air-gapped mode or not a local host for a local-only decision). */
        EGRESS_REFUSED,
        /** The provider answered 429. */
        RATE_LIMITED,
        /** No answer, or a stream that stayed silent, within the provider's timeout. */
        TIMEOUT,
        /** The provider answered an error status. */
        PROVIDER_ERROR,
        /** The provider's answer could not be read (malformed or truncated). */
        MALFORMED,
        /** Every model of the decision failed; the causes are suppressed exceptions. */
        ALL_FAILED,
        /** A policy, model table or setting is invalid. */
        INVALID
    }

    private final Kind kind;
    private final transient Optional<Duration> retryAfter;

    public LlmException(Kind kind, String message) {
        this(kind, message, Optional.empty(), null);
    }

    public LlmException(Kind kind, String message, Optional<Duration> retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    /** How the call failed. */
    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#RATE_LIMITED}: how long the provider asked us to wait. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
