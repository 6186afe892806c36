package ai.magicode.appliance.llm;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Token and cost budgets per tenant, repository, user and job, declared in the policy document and enforced
 * atomically: before an attempt its estimate is reserved against every budget that applies (all or none), after it
 * the reservation is replaced by what the provider reported, or released when it failed. Spending is written to the
 * store (section {@code llm.budgets}) every second and at shutdown, so a restart does not reset it (a crash loses at
 * most the last second).
 */
public final class Budgets {
    static final String SECTION = "llm.budgets";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("name", "scope", "match", "period", "maxTokens", "maxCostUsd");

    /** What a budget is counted per. */
    enum Scope {
        TENANT,
        REPO,
        USER,
        JOB
    }

    /** How long a budget's spending accumulates before it starts again. */
    enum Period {
        DAY,
        MONTH,
        TOTAL
    }

    /**
     * One declared budget.
     *
     * @param name its name, in refusals and the audit log
     * @param scope what it is counted per
     * @param match the tenant, repository, user or job it applies to; {@code *}: each one separately
     * @param period when spending starts again
     * @param maxTokens input plus output tokens allowed, or empty
     * @param maxCostUsd US dollars allowed, or empty
     */
    record Budget(
            String name,
            Scope scope,
            String match,
            Period period,
            Optional<Long> maxTokens,
            Optional<Double> maxCostUsd) {}

    /** What has been spent (and is reserved) against one budget, for one scope value and period. */
    static final class Spent {
        long tokens;
        double costUsd;
    }

    /**
     * A reservation held by one attempt; give it back through {@link #settle} or {@link #release}.
     *
     * @param keys the counters reserved against
     * @param tokens tokens reserved
     * @param costUsd dollars reserved
     */
    public record Reservation(List<String> keys, long tokens, double costUsd) {}

    /**
     * The answer of {@link #reserve}: a reservation, or the budget that refused.
     *
     * @param reservation present when reserved
     * @param refusal the budget and scope value that is spent, when refused
     */
    public record Outcome(Optional<Reservation> reservation, Optional<String> refusal) {}

    private final ApplianceStore store;
    private final State state;
    private final Supplier<LocalDate> today;
    private final Set<String> dirty = new HashSet<>();

    public Budgets(ApplianceStore store) {
        this(store, () -> LocalDate.now(ZoneOffset.UTC));
    }

    Budgets(ApplianceStore store, Supplier<LocalDate> today) {
        this.store = store;
        this.state = store.section(SECTION, State.class, State::new);
        this.today = today;
    }

    /**
     * Reserves an attempt's estimate against every budget of {@code budgets} that applies to {@code request}: all of
     * them or none.
     */
    public synchronized Outcome reserve(List<Budget> budgets, ChatRequest request, long tokens, double costUsd) {
        List<String> keys = new ArrayList<>();
        for (Budget budget : budgets) {
            String value = value(budget.scope(), request);
            if (value.isEmpty()
                    || !(budget.match().equals("*") || budget.match().equals(value))) {
                continue;
            }
            String key = budget.name() + "\u0000" + value + "\u0000" + period(budget.period());
            Spent spent = state.spent.getOrDefault(key, new Spent());
            if (budget.maxTokens().isPresent()
                    && spent.tokens + tokens > budget.maxTokens().get()) {
                return refused(budget, value);
            }
            if (budget.maxCostUsd().isPresent()
                    && spent.costUsd + costUsd > budget.maxCostUsd().get() + 1e-12) {
                return refused(budget, value);
            }
            keys.add(key);
        }
        for (String key : keys) {
            Spent spent = state.spent.computeIfAbsent(key, k -> new Spent());
            spent.tokens += tokens;
            spent.costUsd += costUsd;
        }
        persist(keys);
        return new Outcome(Optional.of(new Reservation(List.copyOf(keys), tokens, costUsd)), Optional.empty());
    }

    /** Replaces a reservation by what the call really used. */
    public synchronized void settle(Reservation reservation, long tokens, double costUsd) {
        adjust(reservation, tokens - reservation.tokens(), costUsd - reservation.costUsd());
    }

    /** Gives a failed attempt's reservation back. */
    public synchronized void release(Reservation reservation) {
        adjust(reservation, -reservation.tokens(), -reservation.costUsd());
    }

    /** Tokens spent (and reserved) against {@code budget} for {@code value} in the current period. */
    synchronized long spentTokens(Budget budget, String value) {
        Spent spent = state.spent.get(budget.name() + "\u0000" + value + "\u0000" + period(budget.period()));
        return spent == null ? 0 : spent.tokens;
    }

    private void adjust(Reservation reservation, long tokens, double cost) {
        for (String key : reservation.keys()) {
            Spent spent = state.spent.computeIfAbsent(key, k -> new Spent());
            spent.tokens = Math.max(0, spent.tokens + tokens);
            spent.costUsd = Math.max(0, spent.costUsd + cost);
        }
        persist(reservation.keys());
    }

    /** Marks counters for the next {@link #flush}: a store commit per call would cost more than the call itself. */
    private void persist(List<String> keys) {
        dirty.addAll(keys);
    }

    /** Writes changed counters to the store; the gateway calls it every second and at close. */
    public synchronized void flush() {
        if (dirty.isEmpty()) {
            return;
        }
        for (String key : dirty) {
            store.store(state.spent.get(key));
        }
        store.store(state.spent);
        dirty.clear();
    }

    /**
     * The spending counters as tenant data: counters of tenant-scoped budgets carry the tenant's name and are
     * erased with it; repository, user and job counters carry ids only and expire with their period.
     */
    public TenantData tenantData() {
        return new TenantData(
                SECTION,
                "store section " + SECTION,
                "the budget's period (day, month) or until the tenant is deleted (total)",
                "enforce the token and cost budgets of the routing policy",
                List.of("store:" + SECTION),
                (tenant, sink) -> sink.add("llm/budgets.json", spent(tenant)),
                this::erase);
    }

    private synchronized List<java.util.Map<String, Object>> spent(String tenant) {
        List<java.util.Map<String, Object>> rows = new java.util.ArrayList<>();
        state.spent.forEach((key, spent) -> {
            String[] parts = key.split("\u0000", -1);
            if (parts.length == 3 && parts[1].equals(tenant)) {
                rows.add(java.util.Map.of(
                        "budget", parts[0], "period", parts[2], "tokens", spent.tokens, "costUsd", spent.costUsd));
            }
        });
        return rows;
    }

    private synchronized void erase(String tenant) {
        boolean removed = state.spent.keySet().removeIf(key -> {
            String[] parts = key.split("\u0000", -1);
            return parts.length == 3 && parts[1].equals(tenant);
        });
        dirty.removeIf(key -> !state.spent.containsKey(key));
        if (removed) {
            store.store(state.spent);
        }
    }

    private static Outcome refused(Budget budget, String value) {
        return new Outcome(
                Optional.empty(),
                Optional.of("budget " + budget.name() + " of "
                        + budget.scope().name().toLowerCase(java.util.Locale.ROOT) + " " + value + " is spent for this "
                        + budget.period().name().toLowerCase(java.util.Locale.ROOT)));
    }

    private String period(Period period) {
        LocalDate day = today.get();
        return switch (period) {
            case DAY -> day.toString();
            case MONTH -> day.toString().substring(0, 7);
            case TOTAL -> "total";
        };
    }

    private static String value(Scope scope, ChatRequest request) {
        return switch (scope) {
            case TENANT -> request.tenant();
            case REPO -> request.repo();
            case USER -> request.user();
            case JOB -> request.job();
        };
    }

    /** Reads the policy document's {@code budgets} list; problems go to {@code errors}, naming budget and field. */
    static List<Budget> parse(JsonNode list, List<String> errors) {
        List<Budget> budgets = new ArrayList<>();
        if (list.isMissingNode() || list.isNull()) {
            return budgets;
        }
        if (!list.isArray()) {
            errors.add("budgets must be a list");
            return budgets;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode node = list.get(i);
            String name = node.path("name").asText("");
            String where = "budget " + (i + 1) + (name.isEmpty() ? "" : " (" + name + ")");
            int before = errors.size();
            if (!NAME.matcher(name).matches()) {
                errors.add(where + ": name must be 1 to 64 lower-case letters, digits, '.', '_' or '-'");
            } else if (!names.add(name)) {
                errors.add(where + ": name is used by an earlier budget");
            }
            for (Iterator<String> fields = node.fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                if (!FIELDS.contains(field)) {
                    errors.add(where + ": unknown field " + field);
                }
            }
            Scope scope = choice(Scope.class, node.path("scope").asText(""), where + ": scope", errors);
            Period period = choice(Period.class, node.path("period").asText("day"), where + ": period", errors);
            String match = node.path("match").asText("*");
            if (match.isBlank()) {
                errors.add(where + ": match must name a value or be *");
            }
            Optional<Long> tokens = Optional.empty();
            if (!node.path("maxTokens").isMissingNode()) {
                if (!node.path("maxTokens").canConvertToLong()
                        || node.path("maxTokens").asLong() < 0) {
                    errors.add(where + ": maxTokens must be a whole number, 0 or more");
                } else {
                    tokens = Optional.of(node.path("maxTokens").asLong());
                }
            }
            Optional<Double> cost = Optional.empty();
            if (!node.path("maxCostUsd").isMissingNode()) {
                if (!node.path("maxCostUsd").isNumber()
                        || node.path("maxCostUsd").asDouble() < 0) {
                    errors.add(where + ": maxCostUsd must be a number of US dollars, 0 or more");
                } else {
                    cost = Optional.of(node.path("maxCostUsd").asDouble());
                }
            }
            if (tokens.isEmpty() && cost.isEmpty()) {
                errors.add(where + ": set maxTokens, maxCostUsd or both");
            }
            if (errors.size() == before) {
                budgets.add(new Budget(name, scope, match, period, tokens, cost));
            }
        }
        return budgets;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String text, String where, List<String> errors) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text)) {
                return constant;
            }
        }
        errors.add(where + " must be one of "
                + java.util.Arrays.stream(type.getEnumConstants())
                        .map(e -> e.name().toLowerCase(java.util.Locale.ROOT))
                        .toList());
        return type.getEnumConstants()[0];
    }

    /** Persistent spending by budget, scope value and period. */
    static final class State {
        final HashMap<String, Spent> spent = new HashMap<>();
    }
}
