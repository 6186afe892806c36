package ai.magicode.appliance.index;

import java.util.List;
import java.util.function.Function;

/**
 * The embedding model handed to the index by the composition root: its name (recorded in the index, a change forces a
 * rebuild), its vector length, and the batch function (texts in, unit vectors out). The function may throw
 * {@link Refused} when the texts may not be embedded (a routing policy that keeps this repository's code from the
 * model's provider): the update fails with that reason.
 */
public record Embedder(String model, int dimension, Function<List<String>, float[][]> embed) {
    /** The texts may not be sent to this model; the message says which rule refused and why. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }
}
