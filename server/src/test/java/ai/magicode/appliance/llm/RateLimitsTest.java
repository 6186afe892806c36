package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    private final AtomicLong now = new AtomicLong();
    private final RateLimits limits = new RateLimits(
            Map.of("openai", new RateLimits.Limit(2, 1_000), "ollama", new RateLimits.Limit(0, 0)), now::get);

    @Test
    void admitsRequestsPerMinuteAndFreesThemAMinuteLater() {
        assertTrue(limits.admit("openai", 10).isPresent());
        assertTrue(limits.admit("openai", 10).isPresent());
        assertFalse(limits.admit("openai", 10).isPresent(), "a third request in the same minute");
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertTrue(limits.admit("openai", 10).isPresent());
    }

    @Test
    void countsTokensAndReplacesTheEstimateByTheReportedUsage() {
        RateLimits.Slot slot = limits.admit("openai", 900).orElseThrow();
        assertFalse(limits.admit("openai", 200).isPresent(), "900 + 200 estimated tokens exceed 1000");
        limits.settle("openai", slot, 100);
        assertTrue(limits.admit("openai", 200).isPresent(), "100 reported + 200 fit");
    }

    @Test
    void zeroMeansUnlimited() {
        for (int i = 0; i < 1_000; i++) {
            assertTrue(limits.admit("ollama", 1_000_000).isPresent());
        }
    }
}
