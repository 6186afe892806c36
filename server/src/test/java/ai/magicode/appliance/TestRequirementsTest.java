package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TestRequirementsTest {
    @Test
    void requiresEverythingWhenSetToAll() {
        assertTrue(TestRequirements.required("keycloak", "all"));
    }

    @Test
    void requiresOnlyTheNamedComponents() {
        assertTrue(TestRequirements.required("keycloak", "chromium, Keycloak"));
        assertFalse(TestRequirements.required("keycloak", "chromium,podman"));
    }

    @Test
    void requiresNothingWhenUnset() {
        assertFalse(TestRequirements.required("keycloak", null));
        assertFalse(TestRequirements.required("keycloak", " "));
    }
}
