package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    private static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    private static final String EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    @Test
    void signsGitHubsTestVector() {
        assertEquals(EXPECTED, WebhookSignature.sign(SECRET, BODY));
    }

    @Test
    void acceptsGitHubsTestVectorInEitherHexCase() {
        assertTrue(WebhookSignature.verify(SECRET, BODY, EXPECTED));
        assertTrue(WebhookSignature.verify(
                SECRET, BODY, "sha256=" + EXPECTED.substring(7).toUpperCase()));
    }

    @Test
    void rejectsAnotherBodySecretOrDigit() {
        assertFalse(WebhookSignature.verify(SECRET, "Hello, World?".getBytes(StandardCharsets.UTF_8), EXPECTED));
        assertFalse(WebhookSignature.verify("another secret".getBytes(StandardCharsets.UTF_8), BODY, EXPECTED));
        assertFalse(WebhookSignature.verify(SECRET, BODY, EXPECTED.substring(0, EXPECTED.length() - 1) + "8"));
    }

    @Test
    void rejectsMalformedHeadersWithoutThrowing() {
        for (String header : new String[] {
            null,
            "",
            "sha256=",
            "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            EXPECTED + "0",
            EXPECTED.substring(0, EXPECTED.length() - 2),
            "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            " " + EXPECTED.substring(1)
        }) {
            assertFalse(WebhookSignature.verify(SECRET, BODY, header), String.valueOf(header));
        }
    }

    @Test
    void refusesAnEmptySecret() {
        assertThrows(WebhookException.class, () -> WebhookSignature.verify(new byte[0], BODY, EXPECTED));
    }
}
