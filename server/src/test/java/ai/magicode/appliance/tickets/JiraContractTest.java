package ai.magicode.appliance.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Jira contracts catch what they claim to: each check below fails on a wrong exchange and passes a right one. */
class JiraContractTest {
    private static final Map<String, String> JSON_TYPE = Map.of("Content-Type", "application/json");
    private static final Map<String, String> BASIC =
            Map.of("Authorization", "Basic Ym90OnRva2Vu", "Content-Type", "application/json");

    @Test
    void cloudChecksTheTransitionBodyAgainstItsSchema() {
        List<String> right = JiraContract.cloud()
                .validate(
                        "POST",
                        "/rest/api/3/issue/SHOP-1/transitions",
                        Map.of(),
                        BASIC,
                        bytes("{\"transition\":{\"id\":\"41\"}}"),
                        204,
                        Map.of(),
                        null);
        assertEquals(List.of(), right);
        List<String> wrong = JiraContract.cloud()
                .validate(
                        "POST",
                        "/rest/api/3/issue/SHOP-1/transitions",
                        Map.of(),
                        BASIC,
                        bytes("{\"transition\":{\"id\":41}}"),
                        204,
                        Map.of(),
                        null);
        assertFalse(wrong.isEmpty(), "a transition id must be a string");
    }

    @Test
    void cloudRefusesAnOperationItDoesNotDescribe() {
        assertFalse(JiraContract.cloud()
                .validate("DELETE", "/rest/api/3/issue/SHOP-1/comment", Map.of(), BASIC, null, 204, Map.of(), null)
                .isEmpty());
    }

    @Test
    void dataCenterChecksOperationsAndParametersOnly() {
        assertEquals(
                List.of(),
                JiraContract.dataCenter()
                        .validate(
                                "GET",
                                "/rest/api/2/user",
                                Map.of("username", List.of("dana")),
                                Map.of("Authorization", "Bearer pat"),
                                null,
                                200,
                                JSON_TYPE,
                                bytes("{\"name\":\"dana\"}")));
        assertFalse(
                JiraContract.dataCenter()
                        .validate(
                                "GET",
                                "/rest/api/2/issue/OPS-1/no-such-thing",
                                Map.of(),
                                Map.of("Authorization", "Bearer pat"),
                                null,
                                200,
                                JSON_TYPE,
                                bytes("{}"))
                        .isEmpty(),
                "an operation Jira Data Center does not have");
        assertFalse(
                JiraContract.dataCenter()
                        .validate(
                                "PATCH",
                                "/rest/api/2/issue/OPS-1/transitions",
                                Map.of(),
                                Map.of("Authorization", "Bearer pat"),
                                null,
                                200,
                                JSON_TYPE,
                                bytes("{}"))
                        .isEmpty(),
                "a method Jira Data Center does not have there");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
