package ai.magicode.appliance.llm;

import ai.magicode.appliance.store.ApplianceStore;
import ai.magicode.appliance.store.TenantData;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Token and cost totals per day, tenant, repository, user and model (store section {@code llm.usage}), for the usage
 * API and the console's charts. Queries are always scoped to one tenant unless the caller is platform-level.
 */
public final class Usage {
    static final String SECTION = "llm.usage";

    /** What usage can be grouped by, besides the day. */
    public enum By {
        TENANT,
        REPO,
        USER,
        MODEL
    }

    /**
     * One stored total.
     *
     * @param day the UTC day
     * @param tenant the tenant
     * @param repo the repository, or empty
     * @param user the user, or empty
     * @param model the model ({@code provider/model})
     * @param calls answered calls
     * @param inputTokens prompt tokens
     * @param outputTokens answer tokens
     * @param costUsd price from the model table
     */
    public record Row(
            LocalDate day,
            String tenant,
            String repo,
            String user,
            String model,
            long calls,
            long inputTokens,
            long outputTokens,
            double costUsd) {
        String key() {
            return day + "\u0000" + tenant + "\u0000" + repo + "\u0000" + user + "\u0000" + model;
        }

        String dimension(By by) {
            return switch (by) {
                case TENANT -> tenant;
                case REPO -> repo;
                case USER -> user;
                case MODEL -> model;
            };
        }
    }

    /**
     * One point of a chart.
     *
     * @param day the UTC day
     * @param key the tenant, repository, user or model
     */
    public record Point(LocalDate day, String key, long calls, long inputTokens, long outputTokens, double costUsd) {}

    private final ApplianceStore store;
    private final State state;
    private boolean dirty;

    public Usage(ApplianceStore store) {
        this.store = store;
        this.state = store.section(SECTION, State.class, State::new);
    }

    /** Adds one answered call. */
    public synchronized void add(
            LocalDate day, String tenant, String repo, String user, String model, long in, long out, double cost) {
        Row added = new Row(day, tenant, repo, user, model, 1, in, out, cost);
        Row old = state.rows.get(added.key());
        Row total = old == null
                ? added
                : new Row(
                        day,
                        tenant,
                        repo,
                        user,
                        model,
                        old.calls() + 1,
                        old.inputTokens() + in,
                        old.outputTokens() + out,
                        old.costUsd() + cost);
        state.rows.put(total.key(), total);
        dirty = true;
    }

    /** Writes new totals to the store; the gateway calls it every second and at close. */
    public synchronized void flush() {
        if (dirty) {
            store.store(state.rows);
            dirty = false;
        }
    }

    /**
     * Totals per day and {@code by}, days {@code from} to {@code to} inclusive, oldest first.
     *
     * @param tenant only this tenant's usage, or every tenant's when null (platform callers)
     */
    public synchronized List<Point> query(String tenant, LocalDate from, LocalDate to, By by) {
        Map<String, Point> points = new TreeMap<>();
        for (Row row : state.rows.values()) {
            if ((tenant != null && !row.tenant().equals(tenant))
                    || row.day().isBefore(from)
                    || row.day().isAfter(to)) {
                continue;
            }
            String key = row.dimension(by);
            points.merge(
                    row.day() + "\u0000" + key,
                    new Point(row.day(), key, row.calls(), row.inputTokens(), row.outputTokens(), row.costUsd()),
                    (a, b) -> new Point(
                            a.day(),
                            a.key(),
                            a.calls() + b.calls(),
                            a.inputTokens() + b.inputTokens(),
                            a.outputTokens() + b.outputTokens(),
                            a.costUsd() + b.costUsd()));
        }
        return new ArrayList<>(points.values());
    }

    /** The rows of {@code tenant}, oldest day first. */
    public synchronized List<Row> rows(String tenant) {
        return state.rows.values().stream()
                .filter(row -> row.tenant().equals(tenant))
                .sorted(java.util.Comparator.comparing(Row::day).thenComparing(Row::key))
                .toList();
    }

    /**
     * Removes the rows of {@code tenant} (all of them, or those of days before {@code before} when given: retention),
     * durably.
     *
     * @return how many rows were removed
     */
    public synchronized int erase(String tenant, Optional<LocalDate> before) {
        int count = state.rows.size();
        state.rows
                .values()
                .removeIf(row -> row.tenant().equals(tenant)
                        && before.map(day -> row.day().isBefore(day)).orElse(true));
        int removed = count - state.rows.size();
        if (removed > 0) {
            store.store(state.rows);
            dirty = false;
        }
        return removed;
    }

    /** Removes the rows of one user of {@code tenant}, durably; how many. */
    public synchronized int eraseUser(String tenant, String user) {
        int count = state.rows.size();
        state.rows
                .values()
                .removeIf(row -> row.tenant().equals(tenant) && row.user().equals(user));
        int removed = count - state.rows.size();
        if (removed > 0) {
            store.store(state.rows);
            dirty = false;
        }
        return removed;
    }

    /** The usage records as tenant data. */
    public TenantData tenantData() {
        return new TenantData(
                        SECTION,
                        "store section " + SECTION,
                        "per-tenant retention (privacy retention usage-days), else until the tenant is deleted",
                        "token and cost accounting per day, repository, user and model; budgets and the usage charts",
                        List.of("store:" + SECTION),
                        (tenant, sink) -> sink.add(
                                "llm/usage.json",
                                rows(tenant).stream().map(Usage::exported).toList()),
                        tenant -> erase(tenant, Optional.empty()))
                .erasingUsers(this::eraseUser)
                .exportingUser((tenant, user, sink) -> sink.add(
                        "llm/usage.json",
                        rows(tenant).stream()
                                .filter(row -> row.user().equals(user))
                                .map(Usage::exported)
                                .toList()));
    }

    private static java.util.Map<String, Object> exported(Row row) {
        return java.util.Map.<String, Object>of(
                "day", row.day().toString(),
                "repo", row.repo(),
                "user", row.user(),
                "model", row.model(),
                "calls", row.calls(),
                "inputTokens", row.inputTokens(),
                "outputTokens", row.outputTokens(),
                "costUsd", row.costUsd());
    }

    /** Persistent totals by key. */
    static final class State {
        final HashMap<String, Row> rows = new HashMap<>();
    }
}
