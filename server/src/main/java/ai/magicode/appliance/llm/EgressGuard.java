package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.AuditEvent;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The last line before a model request leaves the process: every provider HTTP request passes {@link #check}, which
 * in air-gapped mode (and for calls that must stay local) lets only the configured local hosts through. Every refusal
 * is audited ({@code llm.egress.refused}) and counted ({@code llm.egress.refused} metric) before the request fails.
 */
public final class EgressGuard {
    private final boolean airGapped;
    private final Set<String> localHosts;
    private final Consumer<AuditEvent> audit;
    private final Counter refused;

    /**
     * @param airGapped refuse every host but {@code localHosts}
     * @param localHosts host names or {@code host:port} pairs inside the customer network
     * @param audit receives one event per refused attempt
     */
    public EgressGuard(boolean airGapped, Set<String> localHosts, Consumer<AuditEvent> audit) {
        this.airGapped = airGapped;
        this.localHosts = localHosts.stream()
                .map(h -> h.toLowerCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.audit = audit;
        this.refused = Metrics.globalRegistry()
                .getOrCreate(Counter.builder("llm.egress.refused")
                        .description("Model requests refused by the egress guard (air-gapped or local-only)"));
    }

    /** Whether air-gapped mode is on. */
    public boolean airGapped() {
        return airGapped;
    }

    /** Whether {@code uri}'s host (or host:port) is a configured local host. */
    public boolean isLocal(URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        return localHosts.contains(host) || localHosts.contains(host + ":" + port);
    }

    /**
     * Lets the request to {@code uri} through, or refuses it.
     *
     * @param localOnly the call's decision allows only local endpoints
     * @throws LlmException of kind {@link LlmException.Kind#EGRESS_REFUSED}, after auditing and counting
     */
    public void check(URI uri, String provider, boolean localOnly) {
        if ((airGapped || localOnly) && !isLocal(uri)) {
            refused.increment();
            String reason = airGapped ? "air-gapped" : "local-only";
            audit.accept(AuditEvent.of("llm.egress.refused", uri.getScheme() + "://" + uri.getHost())
                    .field("provider", provider)
                    .field("reason", reason)
                    .denied());
            throw new LlmException(
                    LlmException.Kind.EGRESS_REFUSED,
                    "The egress guard refused " + uri.getHost() + " for provider " + provider + " (" + reason
                            + "; allowed hosts: llm.local-hosts)");
        }
    }
}
