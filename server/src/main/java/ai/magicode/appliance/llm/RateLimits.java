package ai.magicode.appliance.llm;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Requests and tokens per minute per provider, shared by every call of the appliance (a sliding minute). An attempt is
 * admitted with its token estimate, which is replaced by the reported count afterwards; one that does not fit is not
 * sent and the gateway tries the next model.
 */
final class RateLimits {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    /**
     * A provider's limits; 0 means unlimited.
     *
     * @param requestsPerMinute requests in any minute
     * @param tokensPerMinute input plus output tokens in any minute
     */
    record Limit(long requestsPerMinute, long tokensPerMinute) {}

    /** One admitted attempt; its token count changes when the call reports its usage. */
    static final class Slot {
        private final long at;
        private long tokens;

        private Slot(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }
    }

    private final Map<String, Limit> limits;
    private final LongSupplier nanos;
    private final Map<String, Deque<Slot>> windows = new ConcurrentHashMap<>();

    RateLimits(Map<String, Limit> limits, LongSupplier nanos) {
        this.limits = Map.copyOf(limits);
        this.nanos = nanos;
    }

    /**
     * Admits an attempt to {@code provider} estimated at {@code tokens}.
     *
     * @return the slot, or empty when the provider's minute is full
     */
    Optional<Slot> admit(String provider, long tokens) {
        Limit limit = limits.get(provider);
        if (limit == null || (limit.requestsPerMinute() == 0 && limit.tokensPerMinute() == 0)) {
            return Optional.of(new Slot(0, tokens));
        }
        Deque<Slot> window = windows.computeIfAbsent(provider, p -> new ArrayDeque<>());
        synchronized (window) {
            long now = nanos.getAsLong();
            while (!window.isEmpty() && now - window.peekFirst().at >= MINUTE) {
                window.pollFirst();
            }
            long used = window.stream().mapToLong(s -> s.tokens).sum();
            if ((limit.requestsPerMinute() > 0 && window.size() >= limit.requestsPerMinute())
                    || (limit.tokensPerMinute() > 0 && used + tokens > limit.tokensPerMinute())) {
                return Optional.empty();
            }
            Slot slot = new Slot(now, tokens);
            window.addLast(slot);
            return Optional.of(slot);
        }
    }

    /** Replaces a slot's estimate by the tokens the call reported (0 when it failed before the provider counted). */
    void settle(String provider, Slot slot, long tokens) {
        Deque<Slot> window = windows.get(provider);
        if (window == null) {
            return;
        }
        synchronized (window) {
            slot.tokens = tokens;
        }
    }
}
