package ai.magicode.appliance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what a test does when a real component it needs (Keycloak, Chromium, podman…) is missing:
 * skip locally, but fail when {@code MAGICODE_TEST_REQUIRE} is {@code all} or names the component, so
 * that CI can never pass by skipping.
 */
public final class TestRequirements {
    /** The environment variable CI sets: {@code all}, or a comma-separated list of component names. */
    public static final String ENV = "MAGICODE_TEST_REQUIRE";

    private TestRequirements() {}

    /**
     * Skips (or, when required, fails) the calling test unless {@code available}.
     *
     * @param component the component's name as {@code MAGICODE_TEST_REQUIRE} lists it, e.g. {@code keycloak}
     * @param available whether the component was found and works
     * @param why what is missing, for the skip or failure message
     */
    public static void require(String component, boolean available, String why) {
        if (available) {
            return;
        }
        if (required(component, System.getenv(ENV))) {
            throw new AssertionError(component + " is required (" + ENV + "=" + System.getenv(ENV) + ") but " + why);
        }
        assumeTrue(false, component + " is not available, skipping: " + why);
    }

    /** Whether {@code setting} (the value of {@code MAGICODE_TEST_REQUIRE}) requires {@code component}. */
    static boolean required(String component, String setting) {
        if (setting == null || setting.isBlank()) {
            return false;
        }
        Set<String> names = Arrays.stream(setting.split(","))
                .map(name -> name.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        return names.contains("all") || names.contains(component.toLowerCase(Locale.ROOT));
    }
}
