package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.audit.Outcome;
import ai.magicode.appliance.llm.ProviderDouble.Protocol;
import ai.magicode.appliance.llm.ProviderDouble.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider embeddings through the gateway: the policy decides which provider may see the code (task {@code embed}),
 * external models get redacted texts, failures fall over, and every call is audited and counted.
 */
class EmbeddingGatewayIT {
    private static final String AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String POLICY = """
            {"rules": [
              {"name": "confidential-local", "match": {"classifications": ["confidential"]},
               "models": ["ollama/nomic-embed-text"], "localOnly": true},
              {"name": "secret-free-only", "match": {"classifications": ["strict"]},
               "models": ["openai/text-embedding-3-small"], "redaction": "block"},
              {"name": "default", "match": {},
               "models": ["openai/text-embedding-3-small", "ollama/nomic-embed-text"]}
            ]}""";

    @TempDir
    Path dir;

    @Test
    void confidentialCodeIsEmbeddedOnlyByTheLocalModel() {
        try (ProviderDouble ollama = ProviderDouble.start(Protocol.OLLAMA);
                ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                GatewayFixture fixture = fixture(ollama, openai)) {
            List<String> chunks = List.of("class InvoiceCalculator { long computeTaxTotal() }", "void refund()");
            EmbedResult.Embedded embedded = assertInstanceOf(
                    EmbedResult.Embedded.class,
                    fixture.gateway.embed(new EmbedRequest("acme", "acme/billing", Set.of("confidential"), chunks)));
            assertEquals("ollama/nomic-embed-text", embedded.model());
            assertTrue(embedded.local());
            assertEquals(2, embedded.vectors().size());
            assertArrayEquals(
                    ProviderDouble.embedding(chunks.get(0)), embedded.vectors().get(0));
            assertEquals(0, openai.received().size(), "the external provider never saw the code");
            assertEquals("/api/embed", ollama.received().getFirst().path());
            AuditEvent event = fixture.events("llm.embed").getFirst();
            assertEquals(Outcome.SUCCESS, event.outcome());
            assertEquals("confidential-local", event.fields().get("rule"));
            assertEquals("true", event.fields().get("local"));
        }
    }

    @Test
    void anExternalModelSeesRedactedTextsAndUsageIsCounted() {
        try (ProviderDouble ollama = ProviderDouble.start(Protocol.OLLAMA);
                ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                GatewayFixture fixture = fixture(ollama, openai)) {
            String chunk = "String awsKey = \"" + AWS_KEY + "\"; // upload invoices";
            EmbedResult.Embedded embedded = assertInstanceOf(
                    EmbedResult.Embedded.class,
                    fixture.gateway.embed(new EmbedRequest("acme", "acme/app", Set.of("public"), List.of(chunk))));
            assertEquals("openai/text-embedding-3-small", embedded.model());
            assertFalse(embedded.redactions().isEmpty(), "the key was found");
            String sent = openai.received().getFirst().body();
            assertTrue(openai.received().getFirst().path().endsWith("/embeddings"));
            assertFalse(sent.contains(AWS_KEY), "the external model never saw the key: " + sent);
            assertTrue(embedded.inputTokens() > 0);
            fixture.gateway.flush();
            long tokens = fixture
                    .usage
                    .query(
                            "acme",
                            java.time.LocalDate.now(java.time.ZoneOffset.UTC),
                            java.time.LocalDate.now(java.time.ZoneOffset.UTC),
                            Usage.By.MODEL)
                    .stream()
                    .filter(p -> p.key().equals("openai/text-embedding-3-small"))
                    .mapToLong(Usage.Point::inputTokens)
                    .sum();
            assertEquals(embedded.inputTokens(), tokens);
        }
    }

    @Test
    void aBlockingRuleRefusesSecretsBeforeAnyCall() {
        try (ProviderDouble ollama = ProviderDouble.start(Protocol.OLLAMA);
                ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                GatewayFixture fixture = fixture(ollama, openai)) {
            EmbedResult result = fixture.gateway.embed(
                    new EmbedRequest("acme", "acme/vault", Set.of("strict"), List.of("key = " + AWS_KEY)));
            EmbedResult.Refused refused = assertInstanceOf(EmbedResult.Refused.class, result);
            assertEquals("secret-free-only", refused.rule());
            assertEquals(0, openai.received().size());
            assertEquals(Outcome.DENIED, fixture.events("llm.embed").getFirst().outcome());
        }
    }

    @Test
    void aFailingProviderFallsOverToTheNextModel() {
        try (ProviderDouble ollama = ProviderDouble.start(Protocol.OLLAMA);
                ProviderDouble openai = ProviderDouble.start(Protocol.OPENAI);
                GatewayFixture fixture = fixture(ollama, openai)) {
            openai.script(Reply.error(500));
            EmbedResult.Embedded embedded = assertInstanceOf(
                    EmbedResult.Embedded.class,
                    fixture.gateway.embed(new EmbedRequest("acme", "acme/app", Set.of(), List.of("parse the ledger"))));
            assertEquals("ollama/nomic-embed-text", embedded.model());
            assertEquals(1, openai.received().size());
            assertEquals(1, ollama.received().size());
        }
    }

    private GatewayFixture fixture(ProviderDouble ollama, ProviderDouble openai) {
        var config = DoubleSetup.create()
                .provider(ollama, Protocol.OLLAMA, true)
                .provider(openai, Protocol.OPENAI, false)
                .config();
        return new GatewayFixture(dir, config).policy(POLICY);
    }
}
