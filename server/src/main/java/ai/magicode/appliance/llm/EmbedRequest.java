package ai.magicode.appliance.llm;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One batch of texts (code chunks or a query) to embed with a provider model, routed by the policy as task
 * {@code embed}: only a model the tenant's rules allow for this repository and its classifications sees the code.
 *
 * @param tenant the tenant the code belongs to
 * @param repo the repository ({@code owner/name} or id), for rules and accounting
 * @param classifications the repository's classification labels
 * @param texts the texts, one vector each
 */
public record EmbedRequest(String tenant, String repo, Set<String> classifications, List<String> texts) {
    public EmbedRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(repo, "repo");
        classifications = Set.copyOf(classifications);
        texts = List.copyOf(texts);
        if (texts.isEmpty()) {
            throw new LlmException(LlmException.Kind.INVALID, "nothing to embed");
        }
    }
}
