package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutingPolicyTest {
    private static final Catalogue CATALOGUE = new Catalogue(List.of(
            model("openai", "gpt-4.1", false, true),
            model("anthropic", "claude-sonnet-4-5", false, true),
            model("ollama", "llama3.1:8b", true, true),
            model("ollama", "nomic-embed-text", true, false)));

    @TempDir
    Path dir;

    @Test
    void firstMatchingRuleDecidesWithItsPreferenceOrder() {
        RoutingPolicy policy = RoutingPolicy.parse("""
                {"rules": [
                  {"name": "secrets-local", "match": {"sensitive": ["private-key"]}, "models": ["ollama/*"],
                   "localOnly": true},
                  {"name": "reviews", "match": {"tasks": ["review"], "repos": ["acme/*"]},
                   "models": ["anthropic/claude-sonnet-4-5", "openai/gpt-4.1"], "maxCostUsd": 0.5},
                  {"name": "rest", "match": {}, "models": ["openai/*", "ollama/*"], "exclude": ["ollama/*"]}
                ]}""", CATALOGUE);
        RoutingDecision.Route review = assertInstanceOf(
                RoutingDecision.Route.class, policy.decide(call("review", Map.of()), CATALOGUE, false));
        assertEquals("reviews", review.rule());
        assertEquals(
                List.of("anthropic/claude-sonnet-4-5", "openai/gpt-4.1"),
                review.chain().stream().map(ModelSpec::id).toList());
        assertEquals(0.5, review.maxCostUsd().orElseThrow());
        RoutingDecision.Route secret = assertInstanceOf(
                RoutingDecision.Route.class, policy.decide(call("review", Map.of("private-key", 1)), CATALOGUE, false));
        assertEquals("secrets-local", secret.rule());
        assertEquals(
                List.of("ollama/llama3.1:8b"),
                secret.chain().stream().map(ModelSpec::id).toList());
        RoutingDecision.Route rest =
                assertInstanceOf(RoutingDecision.Route.class, policy.decide(call("edit", Map.of()), CATALOGUE, false));
        assertEquals(
                List.of("openai/gpt-4.1"),
                rest.chain().stream().map(ModelSpec::id).toList());
    }

    @Test
    void airGappedKeepsOnlyLocalModelsAndDeniesWhenNoneIsLeft() {
        RoutingPolicy policy = RoutingPolicy.parse("""
                {"rules": [{"name": "external", "match": {}, "models": ["openai/gpt-4.1"]}]}""", CATALOGUE);
        RoutingDecision.Deny deny =
                assertInstanceOf(RoutingDecision.Deny.class, policy.decide(call("edit", Map.of()), CATALOGUE, true));
        assertEquals("external", deny.rule());
        assertTrue(deny.reason().contains("air-gapped"));
    }

    @Test
    void noMatchingRuleDenies() {
        RoutingPolicy policy = RoutingPolicy.parse("""
                {"rules": [{"name": "only-acme", "match": {"tenants": ["acme"]}, "models": ["ollama/*"]}]}""", CATALOGUE);
        RouteRequest other = new RouteRequest("globex", "", Set.of(), "edit", Set.of(), Map.of(), false, false);
        assertEquals("(none)", policy.decide(other, CATALOGUE, false).rule());
    }

    @Test
    void embedTasksGetEmbeddingModelsOnly() {
        RoutingPolicy policy = RoutingPolicy.parse("""
                {"rules": [{"name": "all", "match": {}, "models": ["ollama/*"]}]}""", CATALOGUE);
        RoutingDecision.Route route =
                assertInstanceOf(RoutingDecision.Route.class, policy.decide(call("embed", Map.of()), CATALOGUE, false));
        assertEquals(
                List.of("ollama/nomic-embed-text"),
                route.chain().stream().map(ModelSpec::id).toList());
    }

    @Test
    void validationNamesEveryRuleAndField() {
        RoutingPolicy.PolicyException e =
                assertThrows(RoutingPolicy.PolicyException.class, () -> RoutingPolicy.parse("""
                        {"rules": [
                          {"name": "ok", "match": {}, "models": ["ollama/*"]},
                          {"name": "bad", "match": {"tasks": ["deploy"], "colour": ["red"]},
                           "models": ["openai/gpt-9"], "maxCostUsd": -1, "redaction": "maybe"},
                          {"name": "ok", "models": []}
                        ]}""", CATALOGUE));
        List<String> errors = e.errors();
        assertTrue(
                errors.contains(
                        "rule 2 (bad): match.tasks: deploy is not one of [edit, embed, plan, review, summarize]"),
                errors::toString);
        assertTrue(errors.contains("rule 2 (bad): match: unknown field colour"), errors::toString);
        assertTrue(
                errors.contains("rule 2 (bad): models: openai/gpt-9 is not in the model table of an enabled provider"),
                errors::toString);
        assertTrue(
                errors.contains("rule 2 (bad): maxCostUsd must be a number of US dollars, 0 or more"),
                errors::toString);
        assertTrue(errors.contains("rule 2 (bad): redaction must be redact or block"), errors::toString);
        assertTrue(errors.contains("rule 3 (ok): name is used by an earlier rule"), errors::toString);
        assertTrue(
                errors.contains("rule 3 (ok): models must name at least one model (or set action to deny)"),
                errors::toString);
    }

    @Test
    void anInvalidPolicyNeverReplacesTheActiveOne() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Policies policies = new Policies(store, CATALOGUE);
            assertEquals(0, policies.activeVersion(), "the built-in default before any save");
            policies.save("{\"rules\": [{\"name\": \"v1\", \"models\": [\"ollama/*\"]}]}", "alice");
            assertThrows(RoutingPolicy.PolicyException.class, () -> policies.save("{\"rules\": []}", "bob"));
            assertThrows(RoutingPolicy.PolicyException.class, () -> policies.save("not json", "bob"));
            assertEquals(1, policies.activeVersion());
            assertEquals(1, policies.versions().size());
            assertEquals(
                    "v1",
                    policies.active()
                            .decide(call("edit", Map.of()), CATALOGUE, false)
                            .rule());
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Policies reopened = new Policies(store, CATALOGUE);
            assertEquals(1, reopened.activeVersion(), "versions survive a restart");
        }
    }

    @Test
    void theDefaultPolicyKeepsEverythingLocal() {
        RoutingDecision.Route route = assertInstanceOf(
                RoutingDecision.Route.class,
                RoutingPolicy.localDefault(CATALOGUE).decide(call("edit", Map.of()), CATALOGUE, false));
        assertTrue(route.localOnly());
        assertTrue(route.chain().stream().allMatch(ModelSpec::local));
    }

    static RouteRequest call(String task, Map<String, Integer> sensitive) {
        return new RouteRequest("acme", "acme/app", Set.of(), task, Set.of("operator"), sensitive, false, false);
    }

    static ModelSpec model(String provider, String name, boolean local, boolean chat) {
        return new ModelSpec(provider + "/" + name, provider, name, chat, chat, 8192, !chat, 1, 2, local);
    }
}
