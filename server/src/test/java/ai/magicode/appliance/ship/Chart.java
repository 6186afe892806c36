package ai.magicode.appliance.ship;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart under {@code helm/magicode} rendered by real Helm (helm-java) with a values profile, as the
 * list of manifests it produces, with small accessors the chart tests share.
 */
final class Chart {
    static final Path REPO = locateRepo();
    static final Path DIR = REPO.resolve("helm/magicode");
    static final String RELEASE = "mc";
    static final String NAMESPACE = "magicode";
    /** What {@link #render} renames {@code helm.sh/hook} annotations to (see {@link #withVisibleHooks}). */
    static final String HOOK = "hook.test.magicode.ai/";

    private static final Path RENDERED = withVisibleHooks();

    private final List<Map<String, Object>> manifests;

    private Chart(List<Map<String, Object>> manifests) {
        this.manifests = manifests;
    }

    /** Renders the chart with the given values files (none: the defaults). */
    static Chart render(Path... valuesFiles) {
        var template = new Helm(RENDERED).template().withName(RELEASE).withNamespace(NAMESPACE);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        return parse(template.call());
    }

    static Chart parse(String rendered) {
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Object document : new Yaml().loadAll(rendered)) {
            if (document != null) {
                manifests.add(map(document));
            }
        }
        return new Chart(manifests);
    }

    List<Map<String, Object>> manifests() {
        return manifests;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    }

    Map<String, Object> one(String kind, String name) {
        return ofKind(kind).stream()
                .filter(m -> name.equals(get(m, "metadata", "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + names()));
    }

    Map<String, Object> appliance() {
        return one("StatefulSet", RELEASE + "-magicode");
    }

    /** Every pod spec of every workload (StatefulSets, Deployments, bare Pods such as the test hook). */
    List<Map<String, Object>> podSpecs() {
        List<Map<String, Object>> specs = new ArrayList<>();
        for (var m : manifests) {
            switch (String.valueOf(m.get("kind"))) {
                case "StatefulSet", "Deployment", "DaemonSet", "Job" ->
                    specs.add(map(get(m, "spec", "template", "spec")));
                case "Pod" -> specs.add(map(m.get("spec")));
                default -> {}
            }
        }
        return specs;
    }

    static List<Map<String, Object>> containers(Map<String, Object> podSpec) {
        return Stream.concat(list(podSpec.get("initContainers")).stream(), list(podSpec.get("containers")).stream())
                .map(Chart::map)
                .toList();
    }

    List<String> names() {
        return manifests.stream()
                .map(m -> m.get("kind") + "/" + get(m, "metadata", "name"))
                .toList();
    }

    static Object get(Object node, String... path) {
        Object current = node;
        for (String step : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(step);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node) {
        return node == null ? List.of() : (List<Object>) node;
    }

    /**
     * A copy of the chart whose hook annotations are renamed: helm-java's template leaves hook resources
     * (the generated master key, the test pod) out of its output, and these tests check them too. Lint
     * runs on the real chart.
     */
    private static Path withVisibleHooks() {
        try {
            Path copy = Files.createTempDirectory("magicode-chart").resolve("magicode");
            try (Stream<Path> files = Files.walk(DIR)) {
                for (Path file : files.toList()) {
                    Path target = copy.resolve(DIR.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.writeString(target, Files.readString(file).replace("helm.sh/hook", HOOK + "hook"));
                    }
                }
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path locateRepo() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("helm/magicode"))) {
            dir = dir.getParent();
        }
        return Objects.requireNonNull(dir, "no helm/magicode above the working directory");
    }
}
