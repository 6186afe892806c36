package ai.magicode.appliance.config;

/**
 * Code index settings (section {@code index}).
 *
 * @param privacy whether indexes keep keyed term hashes only, never source text
 * @param maxFileBytes files larger than this are skipped and counted
 * @param embeddings which embedding model code search uses
 */
public record IndexConfig(boolean privacy, long maxFileBytes, Embeddings embeddings) {
    /** The embedding models code search can use. */
    public enum Embeddings {
        IN_PROCESS,
        NONE
    }

    static IndexConfig from(ConfigValues values) {
        return new IndexConfig(
                values.bool("index.privacy"),
                values.integer("index.max-file-kb", 1, 1L << 20) * 1024,
                values.choice("index.embeddings", Embeddings.class));
    }
}
