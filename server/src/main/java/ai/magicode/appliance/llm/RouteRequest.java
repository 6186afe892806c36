package ai.magicode.appliance.llm;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What routing looks at for one call.
 *
 * @param tenant the tenant the call serves
 * @param repo the repository ({@code owner/name}), or empty
 * @param classifications the repository's classifications (e.g. {@code confidential})
 * @param task plan, edit, review, embed or summarize
 * @param roles the acting user's roles, lower case
 * @param sensitive what the redactor found in the prompt, by kind
 * @param tools whether the call offers tools
 * @param stream whether the call streams
 */
public record RouteRequest(
        String tenant,
        String repo,
        Set<String> classifications,
        String task,
        Set<String> roles,
        Map<String, Integer> sensitive,
        boolean tools,
        boolean stream) {
    public RouteRequest {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(task, "task");
        classifications = Set.copyOf(classifications);
        roles = Set.copyOf(roles);
        sensitive = Map.copyOf(sensitive);
    }
}
