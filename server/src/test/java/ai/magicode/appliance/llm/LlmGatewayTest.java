package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway admits each model of a chain the same way for chat and for embeddings (the rule's cost cap, the
 * policy's budgets) before anything is called: the provider here is enabled at an address nothing listens on.
 */
class LlmGatewayTest {
    private static final String RULE = """
            {"name": "default", "models": ["openai/gpt-4.1-mini", "openai/text-embedding-3-small"]%s}""";

    @TempDir
    Path dir;

    @Test
    void skipsAModelOverTheRulesCostCapForChatAndEmbeddings() {
        String policy = "{\"rules\": [" + RULE.formatted(", \"maxCostUsd\": 0") + "]}";
        try (GatewayFixture fixture = gateway(policy)) {
            LlmException chat = assertThrows(LlmException.class, () -> fixture.gateway.chat(chat()));
            LlmException embed = assertThrows(LlmException.class, () -> fixture.gateway.embed(embed()));
            for (LlmException failure : List.of(chat, embed)) {
                assertEquals(LlmException.Kind.ALL_FAILED, failure.kind());
                LlmException skipped = (LlmException) failure.getSuppressed()[0];
                assertEquals(LlmException.Kind.INVALID, skipped.kind(), skipped.getMessage());
                assertTrue(skipped.getMessage().endsWith("would cost more than the rule's cap"), skipped.getMessage());
            }
            assertEquals(Outcome.FAILURE, fixture.events("llm.chat").getFirst().outcome());
            assertEquals(
                    "INVALID", fixture.events("llm.embed").getFirst().fields().get("errors"));
        }
    }

    @Test
    void aSpentBudgetRefusesChatAndEmbeddingsBeforeAnyCall() {
        String policy = "{\"rules\": [" + RULE.formatted("") + "], \"budgets\": [{\"name\": \"tiny\", \"scope\": "
                + "\"tenant\", \"match\": \"*\", \"maxTokens\": 1}]}";
        try (GatewayFixture fixture = gateway(policy)) {
            ChatResult.Refused chat = assertInstanceOf(ChatResult.Refused.class, fixture.gateway.chat(chat()));
            EmbedResult.Refused embed = assertInstanceOf(EmbedResult.Refused.class, fixture.gateway.embed(embed()));
            assertTrue(chat.reason().contains("tiny"), chat.reason());
            assertEquals(chat.reason(), embed.reason());
            for (String action : List.of("llm.chat", "llm.embed")) {
                var refusal = fixture.events(action).getFirst();
                assertEquals(Outcome.DENIED, refusal.outcome(), action);
                assertEquals(chat.reason(), refusal.fields().get("reason"), action);
            }
            assertTrue(fixture.events("llm.call").isEmpty(), "no model was called");
        }
    }

    private GatewayFixture gateway(String policy) {
        return new GatewayFixture(
                        dir, DoubleSetup.create().enable("openai", false).config())
                .policy(policy);
    }

    private static ChatRequest chat() {
        return ChatRequest.builder("acme", "edit")
                .repo("acme/app", Set.of("public"))
                .prompt("please fix the bug")
                .build();
    }

    private static EmbedRequest embed() {
        return new EmbedRequest("acme", "acme/app", Set.of("public"), List.of("class Invoice {}"));
    }
}
