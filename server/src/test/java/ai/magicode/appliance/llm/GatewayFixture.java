package ai.magicode.appliance.llm;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gateway on a temporary store, wired to {@link ProviderDouble}s, recording its audit events and the
 * {@code retry-after} pauses it asked for instead of waiting. Reusable by the agent's tests.
 */
final class GatewayFixture implements AutoCloseable {
    final ApplianceStore store;
    final Catalogue catalogue;
    final Policies policies;
    final Usage usage;
    final Budgets budgets;
    final LlmGateway gateway;
    final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    final List<Duration> pauses = new CopyOnWriteArrayList<>();

    GatewayFixture(Path dir, LlmConfig config) {
        this.store = ApplianceStore.open(dir, List.of());
        this.catalogue = Catalogue.load(config);
        this.policies = new Policies(store, catalogue);
        this.usage = new Usage(store);
        this.budgets = new Budgets(store);
        this.gateway = new LlmGateway(
                config,
                catalogue,
                policies,
                usage,
                budgets,
                name -> Optional.of("sk-test-key"),
                audit::add,
                pauses::add);
    }

    GatewayFixture policy(String json) {
        policies.save(json, "test");
        return this;
    }

    List<AuditEvent> events(String action) {
        return audit.stream().filter(e -> e.action().equals(action)).toList();
    }

    @Override
    public void close() {
        gateway.close();
        store.close();
    }
}
