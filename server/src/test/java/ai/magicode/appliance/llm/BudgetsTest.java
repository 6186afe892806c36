package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.store.ApplianceStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetsTest {
    private static final Budgets.Budget TENANT = new Budgets.Budget(
            "tenant-day", Budgets.Scope.TENANT, "acme", Budgets.Period.DAY, Optional.of(1_000L), Optional.empty());
    private static final Budgets.Budget REPO = new Budgets.Budget(
            "repo-month", Budgets.Scope.REPO, "*", Budgets.Period.MONTH, Optional.empty(), Optional.of(1.0));
    private static final Budgets.Budget USER = new Budgets.Budget(
            "user-total", Budgets.Scope.USER, "*", Budgets.Period.TOTAL, Optional.of(300L), Optional.empty());

    @TempDir
    Path dir;

    @Test
    void tenantRepoAndUserBudgetsAllApplyAndTheTightestRefusesAllOrNothing() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Budgets budgets = new Budgets(store);
            List<Budgets.Budget> all = List.of(TENANT, REPO, USER);
            assertTrue(
                    budgets.reserve(all, call("alice"), 250, 0.1).reservation().isPresent());
            Budgets.Outcome refused = budgets.reserve(all, call("alice"), 100, 0.1);
            assertEquals(Optional.of("budget user-total of user alice is spent for this total"), refused.refusal());
            assertEquals(250, budgets.spentTokens(TENANT, "acme"), "nothing reserved by the refused attempt");
            assertTrue(budgets.reserve(all, call("bob"), 300, 0.1).reservation().isPresent(), "bob has his own");
            Budgets.Outcome tenantSpent = budgets.reserve(all, call("carol"), 500, 0.1);
            assertEquals(Optional.of("budget tenant-day of tenant acme is spent for this day"), tenantSpent.refusal());
            Budgets.Outcome cost = budgets.reserve(all, call("dave"), 10, 0.9);
            assertTrue(cost.refusal().orElseThrow().startsWith("budget repo-month of repo acme/app"));
        }
    }

    @Test
    void concurrentReservationsNeverOverspend() throws Exception {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Budgets budgets = new Budgets(store);
            List<Future<Boolean>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                for (int i = 0; i < 200; i++) {
                    String user = "u" + (i % 5);
                    results.add(pool.submit(() -> budgets.reserve(List.of(TENANT), call(user), 10, 0)
                            .reservation()
                            .isPresent()));
                }
            }
            long granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get() ? 1 : 0;
            }
            assertEquals(100, granted);
            assertEquals(1_000, budgets.spentTokens(TENANT, "acme"));
        }
    }

    @Test
    void settlingReplacesTheEstimateAndReleasingGivesItBack() {
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Budgets budgets = new Budgets(store);
            Budgets.Reservation first = budgets.reserve(List.of(TENANT), call("alice"), 600, 0)
                    .reservation()
                    .orElseThrow();
            budgets.settle(first, 120, 0);
            assertEquals(120, budgets.spentTokens(TENANT, "acme"));
            Budgets.Reservation second = budgets.reserve(List.of(TENANT), call("alice"), 800, 0)
                    .reservation()
                    .orElseThrow();
            budgets.release(second);
            assertEquals(120, budgets.spentTokens(TENANT, "acme"));
        }
    }

    @Test
    void aDailyBudgetStartsAgainTheNextDayAndSpendingSurvivesARestart() {
        AtomicReference<LocalDate> today = new AtomicReference<>(LocalDate.of(2026, 1, 31));
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Budgets budgets = new Budgets(store, today::get);
            budgets.reserve(List.of(TENANT), call("alice"), 1_000, 0);
            assertTrue(budgets.reserve(List.of(TENANT), call("alice"), 1, 0)
                    .refusal()
                    .isPresent());
            budgets.flush();
        }
        try (ApplianceStore store = ApplianceStore.open(dir, List.of())) {
            Budgets budgets = new Budgets(store, today::get);
            assertEquals(1_000, budgets.spentTokens(TENANT, "acme"), "kept across the restart");
            today.set(LocalDate.of(2026, 2, 1));
            assertTrue(budgets.reserve(List.of(TENANT), call("alice"), 1, 0)
                    .reservation()
                    .isPresent());
        }
    }

    @Test
    void parsingNamesTheBudgetAndField() throws Exception {
        List<String> errors = new ArrayList<>();
        Budgets.parse(new ObjectMapper().readTree("""
                                [{"name": "a", "scope": "team", "maxTokens": 5},
                                 {"name": "b", "scope": "user", "period": "week"},
                                 {"name": "a", "scope": "job", "maxCostUsd": -2}]"""), errors);
        assertEquals(
                List.of(
                        "budget 1 (a): scope must be one of [tenant, repo, user, job]",
                        "budget 2 (b): period must be one of [day, month, total]",
                        "budget 2 (b): set maxTokens, maxCostUsd or both",
                        "budget 3 (a): name is used by an earlier budget",
                        "budget 3 (a): maxCostUsd must be a number of US dollars, 0 or more",
                        "budget 3 (a): set maxTokens, maxCostUsd or both"),
                errors);
    }

    private static ChatRequest call(String user) {
        return ChatRequest.builder("acme", "edit")
                .repo("acme/app", Set.of())
                .user(user, Set.of("member"))
                .job("job-1")
                .prompt("hi")
                .build();
    }
}
