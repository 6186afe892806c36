package ai.magicode.appliance;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test class started (simulators, doubles, the appliance, a browser), closed in the reverse order of starting
 * as try-with-resources would close them: every one is closed even when one fails, and the first failure is thrown
 * with the later ones suppressed.
 */
final class Started implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /** Registers {@code resource} to be closed by {@link #close}, and returns it. */
    <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
