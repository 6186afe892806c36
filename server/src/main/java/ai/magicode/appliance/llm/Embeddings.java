package ai.magicode.appliance.llm;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;

/**
 * The in-process all-MiniLM-L6-v2 sentence embedding model (384 dimensions, model and ONNX runtime inside the jar;
 * nothing is downloaded). Texts longer than the model's window are split and averaged by LangChain4j; callers keep
 * them short. Thread-safe.
 */
public final class Embeddings {
    /** Name recorded by indexes built with this model, so a model change forces a rebuild. */
    public static final String MODEL = "all-minilm-l6-v2";
    /** The model's vector length. */
    public static final int DIMENSION = 384;

    private final EmbeddingModel model;

    private Embeddings(EmbeddingModel model) {
        this.model = model;
    }

    /** Loads the model (about a second). */
    public static Embeddings create() {
        return new Embeddings(new AllMiniLmL6V2EmbeddingModel());
    }

    /** Embeds texts in one batch, spread over the cores by the runtime; unit-length vectors, one per text. */
    public float[][] embed(List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        List<Embedding> embeddings =
                model.embedAll(texts.stream().map(TextSegment::from).toList()).content();
        float[][] vectors = new float[embeddings.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = embeddings.get(i).vector();
        }
        return vectors;
    }

    /** The vector length. */
    public int dimension() {
        return 384;
    }
}
