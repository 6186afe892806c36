package ai.magicode.appliance.llm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The declarative routing policy: an ordered list of rules, the first whose match holds decides. A rule matches on
 * tenant, repository, classification, task, detected sensitive content and role, then allows a preference-ordered
 * list of models (the fallback chain; {@code provider/*} patterns allowed), excludes some, may keep the call local and
 * cap its cost, or denies. No matching rule denies. The format is in docs/llm.md.
 */
public final class RoutingPolicy {
    /** The tasks a call can serve. */
    public static final Set<String> TASKS = Set.of("plan", "edit", "review", "embed", "summarize");
    /** The roles rules can name. */
    public static final Set<String> ROLES = Set.of("superadmin", "admin", "operator", "auditor", "member");

    private static final Pattern RULE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<String> RULE_FIELDS =
            Set.of("name", "match", "action", "models", "exclude", "localOnly", "maxCostUsd", "redaction");
    private static final Set<String> MATCH_FIELDS =
            Set.of("tenants", "repos", "classifications", "tasks", "sensitive", "roles");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What happens to detected secrets before an external model sees the prompt. */
    public enum RedactionMode {
        /** Replace each finding with {@code [REDACTED:kind]}. */
        REDACT,
        /** Refuse the call. */
        BLOCK
    }

    /** A rule's conditions; an empty set matches anything; {@code repos} entries may end in {@code *}. */
    record Match(
            Set<String> tenants,
            Set<String> repos,
            Set<String> classifications,
            Set<String> tasks,
            Set<String> sensitive,
            Set<String> roles) {
        boolean holds(RouteRequest request) {
            return (tenants.isEmpty() || tenants.contains(request.tenant()))
                    && (repos.isEmpty() || repoMatches(request.repo()))
                    && (classifications.isEmpty() || intersects(classifications, request.classifications()))
                    && (tasks.isEmpty() || tasks.contains(request.task()))
                    && (sensitive.isEmpty()
                            || intersects(sensitive, request.sensitive().keySet()))
                    && (roles.isEmpty() || intersects(roles, request.roles()));
        }

        private boolean repoMatches(String repo) {
            if (repos.contains(repo)) {
                return true;
            }
            for (String pattern : repos) {
                if (pattern.endsWith("*") && repo.startsWith(pattern.substring(0, pattern.length() - 1))) {
                    return true;
                }
            }
            return false;
        }

        private static boolean intersects(Set<String> wanted, Set<String> present) {
            for (String item : present) {
                if (wanted.contains(item)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One rule, validated. */
    record Rule(
            String name,
            Match match,
            boolean deny,
            List<String> models,
            List<String> exclude,
            boolean localOnly,
            Optional<Double> maxCostUsd,
            RedactionMode redaction) {}

    private final List<Rule> rules;
    private final List<Budgets.Budget> budgets;
    private final String source;

    private RoutingPolicy(List<Rule> rules, List<Budgets.Budget> budgets, String source) {
        this.rules = List.copyOf(rules);
        this.budgets = List.copyOf(budgets);
        this.source = source;
    }

    /** The budgets the policy declares. */
    List<Budgets.Budget> budgets() {
        return budgets;
    }

    /** The policy before an administrator saves one: every enabled local model, local only; nothing external. */
    public static RoutingPolicy localDefault(Catalogue catalogue) {
        return parse(DEFAULT, catalogue);
    }

    static final String DEFAULT = """
            {"rules": [{"name": "default-local-only", "match": {}, "models": ["ollama/*", "openai-compatible/*"],
              "localOnly": true}]}""";

    /**
     * Parses and validates a policy document against the catalogue.
     *
     * @throws PolicyException listing every problem, each naming the rule and field
     */
    public static RoutingPolicy parse(String json, Catalogue catalogue) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PolicyException(
                    List.of("the policy is not JSON (line " + e.getLocation().getLineNr() + ")"));
        }
        List<String> errors = new ArrayList<>();
        if (root == null || !root.isObject() || !root.path("rules").isArray()) {
            throw new PolicyException(List.of("the policy must be an object with a \"rules\" array"));
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        JsonNode list = root.path("rules");
        if (list.isEmpty()) {
            errors.add("rules: at least one rule is needed (no rule denies every call)");
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            String name = node.path("name").asText("");
            String where = "rule " + (i + 1) + (name.isEmpty() ? "" : " (" + name + ")");
            int before = errors.size();
            if (!RULE_NAME.matcher(name).matches()) {
                errors.add(where + ": name must be 1 to 64 lower-case letters, digits, '.', '_' or '-'");
            } else if (!names.add(name)) {
                errors.add(where + ": name is used by an earlier rule");
            }
            unknownFields(node, RULE_FIELDS, where, errors);
            JsonNode matchNode = node.path("match");
            if (!matchNode.isMissingNode() && !matchNode.isObject()) {
                errors.add(where + ": match must be an object");
            }
            unknownFields(matchNode, MATCH_FIELDS, where + ": match", errors);
            Match match = new Match(
                    strings(matchNode, "tenants", where, errors),
                    strings(matchNode, "repos", where, errors),
                    strings(matchNode, "classifications", where, errors),
                    checked(strings(matchNode, "tasks", where, errors), TASKS, where + ": match.tasks", errors),
                    checked(
                            strings(matchNode, "sensitive", where, errors),
                            Set.copyOf(Redactor.KINDS),
                            where + ": match.sensitive",
                            errors),
                    checked(strings(matchNode, "roles", where, errors), ROLES, where + ": match.roles", errors));
            String action = node.path("action").asText("allow");
            if (!action.equals("allow") && !action.equals("deny")) {
                errors.add(where + ": action must be allow or deny");
            }
            boolean deny = action.equals("deny");
            List<String> models = List.copyOf(strings(node, "models", where, errors));
            List<String> exclude = List.copyOf(strings(node, "exclude", where, errors));
            if (!deny && models.isEmpty()) {
                errors.add(where + ": models must name at least one model (or set action to deny)");
            }
            for (String model : models) {
                modelReference(model, catalogue, where + ": models", errors);
            }
            for (String model : exclude) {
                modelReference(model, catalogue, where + ": exclude", errors);
            }
            JsonNode localOnly = node.path("localOnly");
            if (!localOnly.isMissingNode() && !localOnly.isBoolean()) {
                errors.add(where + ": localOnly must be true or false");
            }
            Optional<Double> maxCost = Optional.empty();
            JsonNode cost = node.path("maxCostUsd");
            if (!cost.isMissingNode()) {
                if (!cost.isNumber() || cost.asDouble() < 0) {
                    errors.add(where + ": maxCostUsd must be a number of US dollars, 0 or more");
                } else {
                    maxCost = Optional.of(cost.asDouble());
                }
            }
            String redaction = node.path("redaction").asText("redact");
            if (!redaction.equals("redact") && !redaction.equals("block")) {
                errors.add(where + ": redaction must be redact or block");
            }
            if (errors.size() == before) {
                rules.add(new Rule(
                        name,
                        match,
                        deny,
                        models,
                        exclude,
                        localOnly.asBoolean(false),
                        maxCost,
                        RedactionMode.valueOf(redaction.toUpperCase(Locale.ROOT))));
            }
        }
        List<Budgets.Budget> budgets = Budgets.parse(root.path("budgets"), errors);
        unknownFields(root, Set.of("rules", "budgets"), "policy", errors);
        if (!errors.isEmpty()) {
            throw new PolicyException(errors);
        }
        return new RoutingPolicy(rules, budgets, json);
    }

    /** The document this policy was parsed from. */
    public String source() {
        return source;
    }

    /** How many rules it has. */
    public int size() {
        return rules.size();
    }

    /**
     * Decides a call: the first matching rule, its models expanded against the catalogue, filtered by what the call
     * needs (tools, streaming, embeddings for {@code embed}) and by locality (the rule's {@code localOnly}, or
     * air-gapped mode).
     */
    public RoutingDecision decide(RouteRequest request, Catalogue catalogue, boolean airGapped) {
        for (Rule rule : rules) {
            if (!rule.match().holds(request)) {
                continue;
            }
            if (rule.deny()) {
                return RoutingDecision.deny(rule.name(), "denied by rule " + rule.name());
            }
            boolean localOnly = rule.localOnly() || airGapped;
            boolean embed = request.task().equals("embed");
            LinkedHashSet<ModelSpec> chain = new LinkedHashSet<>();
            for (String reference : rule.models()) {
                for (ModelSpec model : expand(reference, catalogue)) {
                    if (excluded(model, rule.exclude())
                            || (localOnly && !model.local())
                            || model.embeddings() != embed
                            || (request.tools() && !model.tools())
                            || (request.stream() && !model.streaming())) {
                        continue;
                    }
                    chain.add(model);
                }
            }
            if (chain.isEmpty()) {
                return RoutingDecision.deny(
                        rule.name(),
                        "rule " + rule.name() + " allows no enabled model for this call"
                                + (localOnly ? " among local endpoints" : "")
                                + (airGapped ? " (air-gapped)" : ""));
            }
            return RoutingDecision.route(
                    rule.name(), List.copyOf(chain), localOnly, rule.redaction(), rule.maxCostUsd());
        }
        return RoutingDecision.deny("(none)", "no rule of the policy matches this call");
    }

    private static List<ModelSpec> expand(String reference, Catalogue catalogue) {
        if (reference.endsWith("/*")) {
            String provider = reference.substring(0, reference.length() - 2);
            return catalogue.all().stream()
                    .filter(m -> m.provider().equals(provider))
                    .toList();
        }
        return catalogue.find(reference).map(List::of).orElse(List.of());
    }

    private static boolean excluded(ModelSpec model, List<String> exclude) {
        for (String reference : exclude) {
            if (reference.equals(model.id())
                    || (reference.endsWith("/*")
                            && model.provider().equals(reference.substring(0, reference.length() - 2)))) {
                return true;
            }
        }
        return false;
    }

    private static void modelReference(String model, Catalogue catalogue, String where, List<String> errors) {
        int slash = model.indexOf('/');
        if (slash <= 0) {
            errors.add(where + ": " + model + " is not provider/model or provider/*");
            return;
        }
        String provider = model.substring(0, slash);
        if (!ai.magicode.appliance.config.LlmConfig.PROVIDERS.contains(provider)) {
            errors.add(where + ": " + model + " names no known provider ("
                    + ai.magicode.appliance.config.LlmConfig.PROVIDERS + ")");
        } else if (!model.endsWith("/*") && catalogue.find(model).isEmpty()) {
            errors.add(where + ": " + model + " is not in the model table of an enabled provider");
        }
    }

    private static Set<String> strings(JsonNode node, String field, String where, List<String> errors) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return Set.of();
        }
        if (!value.isArray()) {
            errors.add(where + ": " + field + " must be a list of strings");
            return Set.of();
        }
        Set<String> items = new LinkedHashSet<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().isBlank()) {
                errors.add(where + ": " + field + " must be a list of non-empty strings");
                return Set.of();
            }
            items.add(item.asText());
        }
        return items;
    }

    private static Set<String> checked(Set<String> values, Set<String> allowed, String where, List<String> errors) {
        for (String value : values) {
            if (!allowed.contains(value)) {
                errors.add(where + ": " + value + " is not one of " + new java.util.TreeSet<>(allowed));
            }
        }
        return values;
    }

    private static void unknownFields(JsonNode node, Set<String> known, String where, List<String> errors) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(where + ": unknown field " + name);
            }
        }
    }

    /** A policy document that does not validate; {@link #errors} each name the rule and field. */
    public static final class PolicyException extends LlmException {
        private final List<String> errors;

        PolicyException(List<String> errors) {
            super(Kind.INVALID, "The policy is invalid: " + String.join("; ", errors));
            this.errors = List.copyOf(errors);
        }

        /** The problems, one per rule and field. */
        public List<String> errors() {
            return errors;
        }
    }
}
