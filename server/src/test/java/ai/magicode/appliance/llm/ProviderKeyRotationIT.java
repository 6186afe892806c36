package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.magicode.appliance.config.LlmConfig;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import ai.magicode.appliance.llm.ProviderDouble.Reply;
import ai.magicode.appliance.secrets.MasterKeySource;
import ai.magicode.appliance.secrets.Vault;
import ai.magicode.appliance.store.ApplianceStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rotated provider key (the mounted file rewritten, then imported again as the appliance's reload task does)
 * is the key of the very next call, without rebuilding the gateway; an emptied file keeps the previous key.
 */
class ProviderKeyRotationIT {
    @TempDir
    Path dir;

    @Test
    void theNextCallAfterAReloadUsesTheRotatedKey() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("openai.key"), "sk-first-key\n");
        try (ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                ApplianceStore store = ApplianceStore.open(dir.resolve("data"), List.of())) {
            Vault vault = Vault.open(store, MasterKeySource.file(store.dataDir()), event -> {});
            LlmConfig config = config(openai, keyFile);
            ProviderKeys.importKeys(config, vault);
            Catalogue catalogue = Catalogue.load(config);
            Policies policies = new Policies(store, catalogue);
            policies.save("""
                    {"rules": [{"name": "default", "match": {}, "models": ["openai/gpt-4.1-mini"]}]}""", "test");
            try (LlmGateway gateway = new LlmGateway(
                    config,
                    catalogue,
                    policies,
                    new Usage(store),
                    new Budgets(store),
                    ProviderKeys.from(vault),
                    event -> {},
                    pause -> {})) {
                openai.script(Reply.text("one"), Reply.text("two"), Reply.text("three"));
                assertInstanceOf(ChatResult.Answered.class, gateway.chat(request()));

                Files.writeString(keyFile, "sk-second-key\n");
                ProviderKeys.importKeys(config, vault);
                assertInstanceOf(ChatResult.Answered.class, gateway.chat(request()));

                Files.writeString(keyFile, "");
                assertThrows(LlmException.class, () -> ProviderKeys.importKeys(config, vault));
                assertInstanceOf(ChatResult.Answered.class, gateway.chat(request()));
            }
            assertEquals(
                    List.of("Bearer sk-first-key", "Bearer sk-second-key", "Bearer sk-second-key"),
                    openai.received().stream()
                            .map(r -> r.headers().get("authorization"))
                            .toList());
        }
    }

    private static LlmConfig config(ProviderDouble openai, Path keyFile) {
        LlmConfig defaults = DoubleSetup.create().config();
        Map<String, LlmConfig.Provider> providers = new LinkedHashMap<>(defaults.providers());
        providers.put(
                "openai",
                new LlmConfig.Provider(
                        "openai",
                        true,
                        URI.create(openai.baseUrl()),
                        Optional.of(keyFile),
                        Duration.ofSeconds(5),
                        Optional.empty(),
                        Optional.empty(),
                        false,
                        0,
                        0));
        return new LlmConfig(defaults.airGapped(), defaults.localHosts(), defaults.priceFile(), providers);
    }

    private static ChatRequest request() {
        return ChatRequest.builder("acme", "summarize").prompt("say hello").build();
    }
}
