package ai.magicode.appliance.index;

import java.util.List;
import java.util.function.Function;

/**
 * The embedding model handed to the index by the composition root: its name (recorded in the index, a change forces a
 * rebuild), its vector length, and the batch function (texts in, unit vectors out).
 */
public record Embedder(String model, int dimension, Function<List<String>, float[][]> embed) {}
