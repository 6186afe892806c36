package ai.magicode.appliance.agent;

import java.nio.file.Path;
import java.util.List;

/**
 * What must hold before the runner pushes: given the work tree and the changed paths, the problems found (empty:
 * push). The composition root hands the runner the full validation ({@code Validation.check}: parse checks, path
 * policy, secret scan); {@link #pathPolicy} is the minimum that stands alone.
 */
@FunctionalInterface
public interface Checks {
    /**
     * A problem that blocks the push.
     *
     * @param path the file
     * @param rule the rule, e.g. {@code path-policy}
     * @param message a sentence for the developer (never file content)
     */
    record Problem(String path, String rule, String message) {}

    List<Problem> check(Path root, List<String> changedPaths);

    /** Refuses any change under {@code .github/workflows/}: CI definitions are never changed by the agent. */
    static Checks pathPolicy() {
        return (root, changed) -> changed.stream()
                .filter(p -> p.startsWith(".github/workflows/") || p.equals(".github/workflows"))
                .map(p -> new Problem(
                        p,
                        "path-policy",
                        "changes under .github/workflows/ are denied by policy: CI definitions are never changed by"
                                + " the agent"))
                .toList();
    }
}
