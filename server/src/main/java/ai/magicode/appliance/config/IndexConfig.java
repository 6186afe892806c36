package ai.magicode.appliance.config;

/**
 * Code index settings (section {@code index}).
 *
 * @param privacy whether indexes keep keyed term hashes only, never source text
 * @param maxFileBytes files larger than this are skipped and counted
 * @param embeddings which embedding model code search uses
 * @param embeddingModel for {@link Embeddings#PROVIDER}: the catalogue id of the embedding model
 *     ({@code provider/model}); the routing policy (task {@code embed}) still decides per tenant and repository
 * @param embeddingDimension for {@link Embeddings#PROVIDER}: the model's vector length
 */
public record IndexConfig(
        boolean privacy, long maxFileBytes, Embeddings embeddings, String embeddingModel, int embeddingDimension) {
    /** The embedding models code search can use. */
    public enum Embeddings {
        IN_PROCESS,
        PROVIDER,
        NONE
    }

    static IndexConfig from(ConfigValues values) {
        Embeddings embeddings = values.choice("index.embeddings", Embeddings.class);
        String model = values.string("index.embedding-model").strip();
        int dimension = (int) values.integer("index.embedding-dimension", 0, 16_384);
        if (embeddings == Embeddings.PROVIDER) {
            if (!model.matches("[A-Za-z0-9_.-]+/\\S+")) {
                throw values.invalid(
                        "index.embedding-model",
                        "a model id provider/model from the catalogue when embeddings is provider");
            }
            if (dimension == 0) {
                throw values.invalid(
                        "index.embedding-dimension", "the model's vector length when embeddings is provider");
            }
        }
        return new IndexConfig(
                values.bool("index.privacy"),
                values.integer("index.max-file-kb", 1, 1L << 20) * 1024,
                embeddings,
                model,
                dimension);
    }
}
