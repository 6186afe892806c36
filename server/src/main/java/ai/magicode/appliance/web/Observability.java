package ai.magicode.appliance.web;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code /observe} endpoints: liveness at {@code /observe/health/live} (and {@code /observe/health}
 * for all checks), readiness at {@code /observe/health/ready}, Prometheus text at {@code /observe/metrics}.
 * Features contribute readiness checks as "what is wrong, if anything" suppliers.
 */
public final class Observability {
    private final List<HealthCheck> checks = new ArrayList<>();

    /**
     * Adds a readiness check.
     *
     * @param name the check's name in the health document
     * @param problem what keeps the appliance from serving, or empty when all is well
     */
    public Observability ready(String name, Supplier<Optional<String>> problem) {
        return add(name, HealthCheckType.READINESS, () -> {
            Optional<String> wrong = problem.get();
            HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(wrong.isEmpty());
            wrong.ifPresent(text -> response.detail("problem", text));
            return response.build();
        });
    }

    /**
     * Adds a warning: shown in {@code /observe/health} (and {@code /observe/health/live}) as detail
     * {@code warning} of a check that stays UP. For damage that needs an operator but that neither a
     * restart (liveness) nor taking the pod out of service (readiness) would mend, such as a corrupt audit
     * segment; alert on the feature's metric.
     *
     * @param name the check's name in the health document
     * @param problem what needs attention, or empty when all is well
     */
    public Observability warning(String name, Supplier<Optional<String>> problem) {
        return add(name, HealthCheckType.LIVENESS, () -> {
            HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(true);
            problem.get().ifPresent(text -> response.detail("warning", text));
            return response.build();
        });
    }

    /**
     * Adds a readiness detail that never fails readiness: a dependency the appliance can serve without
     * (the OIDC provider: local and API-token logins keep working). Its state shows under {@code name}.
     *
     * @param name the check's name in the health document
     * @param problem what is wrong with the dependency, or empty when it is reachable
     */
    public Observability detail(String name, Supplier<Optional<String>> problem) {
        return add(name, HealthCheckType.READINESS, () -> {
            Optional<String> wrong = problem.get();
            HealthCheckResponse.Builder response =
                    HealthCheckResponse.builder().status(true).detail("available", wrong.isEmpty());
            wrong.ifPresent(text -> response.detail("problem", text));
            return response.build();
        });
    }

    /** Readiness fails when the file system holding {@code dir} has less than {@code minFreeBytes} free. */
    public Observability diskSpace(Path dir, long minFreeBytes) {
        return ready("disk", () -> {
            try {
                long free = Files.getFileStore(dir).getUsableSpace();
                return free >= minFreeBytes
                        ? Optional.empty()
                        : Optional.of(free / (1024 * 1024) + " MiB free in the data dir, below the minimum of "
                                + minFreeBytes / (1024 * 1024) + " MiB");
            } catch (IOException e) {
                return Optional.of("cannot read free space of the data dir");
            }
        });
    }

    /** Runs every check now: name, status ({@code UP} or {@code DOWN}) and details, as the health document has them. */
    public List<java.util.Map<String, Object>> report() {
        List<java.util.Map<String, Object>> out = new ArrayList<>();
        for (HealthCheck check : checks) {
            HealthCheckResponse response = check.call();
            java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
            row.put("name", check.name());
            row.put("status", response.status().name());
            row.put("data", new java.util.TreeMap<>(response.details()));
            out.add(row);
        }
        return out;
    }

    /** The server feature serving health and metrics. */
    public ObserveFeature feature() {
        return ObserveFeature.builder()
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .details(true)
                        .useSystemServices(false)
                        .addChecks(checks.toArray(HealthCheck[]::new))
                        .build())
                .addObserver(MetricsObserver.create())
                .build();
    }

    private Observability add(String name, HealthCheckType type, Supplier<HealthCheckResponse> call) {
        checks.add(new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return type;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return call.get();
            }
        });
        return this;
    }
}
