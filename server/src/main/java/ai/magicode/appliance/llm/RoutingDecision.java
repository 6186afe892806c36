package ai.magicode.appliance.llm;

import java.util.List;
import java.util.Optional;

/** What the policy decided for one call: which models in which order, or a refusal; either names the rule. */
public sealed interface RoutingDecision {
    /** The name of the rule that decided, or {@code (none)} when no rule matched. */
    String rule();

    /**
     * Call these models, in order; each next one only when the previous failed before its first streamed token.
     *
     * @param rule the rule that matched
     * @param chain the models, preferred first
     * @param localOnly whether only local endpoints may see this call (also enforced by the egress guard)
     * @param redaction what to do with detected secrets before an external model sees them
     * @param maxCostUsd the most one call may cost, estimated before and checked after it
     */
    record Route(
            String rule,
            List<ModelSpec> chain,
            boolean localOnly,
            RoutingPolicy.RedactionMode redaction,
            Optional<Double> maxCostUsd)
            implements RoutingDecision {
        public Route {
            chain = List.copyOf(chain);
        }
    }

    /**
     * Do not call any model.
     *
     * @param rule the rule that denied, or {@code (none)}
     * @param reason why, for the caller and the audit log (never prompt text)
     */
    record Deny(String rule, String reason) implements RoutingDecision {}

    static Route route(
            String rule,
            List<ModelSpec> chain,
            boolean localOnly,
            RoutingPolicy.RedactionMode redaction,
            Optional<Double> maxCostUsd) {
        return new Route(rule, chain, localOnly, redaction, maxCostUsd);
    }

    static Deny deny(String rule, String reason) {
        return new Deny(rule, reason);
    }
}
