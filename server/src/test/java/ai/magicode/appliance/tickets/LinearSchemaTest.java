package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every GraphQL document the appliance sends to Linear is valid against Linear's schema (the subset in
 * {@code src/test/resources/contracts/linear}): fields, arguments, input fields and variable types; and the exchange
 * check the Linear simulator runs on every request fails on each kind of wrong answer.
 */
class LinearSchemaTest {
    private static final LinearContract CONTRACT = LinearContract.load();
    private static final String ISSUE = "query Issue($id: String!) { issue(id: $id) { id identifier title"
            + " assignee { id email } labels { nodes { name } } } }";

    @Test
    void everyDocumentTheApplianceSendsIsValidAgainstLinearsSchema() {
        assertEquals(5, LinearTracker.DOCUMENTS.size());
        for (String document : LinearTracker.DOCUMENTS) {
            assertEquals(List.of(), CONTRACT.document(document), document);
        }
    }

    @Test
    void theSchemaRefusesAFieldLinearDoesNotHave() {
        assertFalse(
                CONTRACT.document("query Issue($id: String!) { issue(id: $id) { id assigneeEmail } }")
                        .isEmpty(),
                "the check can fail");
    }

    @Test
    void anAnswerShapedAsTheDocumentSelectsHolds() {
        assertEquals(List.of(), CONTRACT.exchange(ISSUE, Map.of("id", "ENG-1"), Map.of("issue", issue(Map.of()))));
    }

    @Test
    void anAnswerWithAFieldNotSelectedOrMissingOneOrWronglyTypedOrNullWhereRequiredFails() {
        Map<String, Object> extra = issue(Map.of("description", "not selected"));
        assertFalse(CONTRACT.exchange(ISSUE, Map.of("id", "ENG-1"), Map.of("issue", extra))
                .isEmpty());
        Map<String, Object> missing = new LinkedHashMap<>(issue(Map.of()));
        missing.remove("title");
        assertFalse(CONTRACT.exchange(ISSUE, Map.of("id", "ENG-1"), Map.of("issue", missing))
                .isEmpty());
        Map<String, Object> wrongType = issue(Map.of("labels", Map.of("nodes", "bug")));
        assertFalse(CONTRACT.exchange(ISSUE, Map.of("id", "ENG-1"), Map.of("issue", wrongType))
                .isEmpty());
        Map<String, Object> nullIdentifier = new LinkedHashMap<>(issue(Map.of()));
        nullIdentifier.put("identifier", null);
        assertFalse(CONTRACT.exchange(ISSUE, Map.of("id", "ENG-1"), Map.of("issue", nullIdentifier))
                .isEmpty());
    }

    @Test
    void variablesOfTheWrongTypeFail() {
        assertFalse(CONTRACT.exchange(ISSUE, Map.of("id", List.of("ENG-1")), Map.of("issue", issue(Map.of())))
                .isEmpty());
    }

    private static Map<String, Object> issue(Map<String, Object> changes) {
        Map<String, Object> issue = new LinkedHashMap<>();
        issue.put("id", "b5e8f6c2");
        issue.put("identifier", "ENG-1");
        issue.put("title", "Greeting has a typo");
        issue.put("assignee", Map.of("id", "user-1", "email", "dev@example.com"));
        issue.put("labels", Map.of("nodes", List.of(Map.of("name", "magicode"))));
        issue.putAll(changes);
        return issue;
    }
}
