package ai.magicode.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.git.GitFixture;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magicode localize} from the shaded jar in hybrid mode: the embedding model and the ONNX runtime's native
 * libraries must survive shading.
 */
class LocalizeIT {
    @TempDir
    Path dir;

    @Test
    void shadedJarLocalizesWithTheInProcessEmbeddingModel() throws Exception {
        String commit;
        try (GitFixture fixture = GitFixture.create(dir.resolve("repo.git"), true)) {
            commit = fixture.file("net/retry.py", "def backoff_delay(attempt):\n    return 2 ** attempt\n")
                    .file("net/cache.py", "def evict_oldest(entries):\n    entries.pop(0)\n")
                    .commit("first");
        }
        Path query = Files.writeString(dir.resolve("issue.txt"), "backoff_delay grows too fast after many retries");
        String jar = System.getProperty("magicode.jar");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(List.of(
                        java,
                        "-jar",
                        jar,
                        "localize",
                        "--repo",
                        dir.resolve("repo.git").toString(),
                        "--rev",
                        commit,
                        "--query-file",
                        query.toString(),
                        "--index-dir",
                        dir.resolve("index").toString(),
                        "--top",
                        "2",
                        "--json"))
                .redirectError(
                        ProcessBuilder.Redirect.to(dir.resolve("stderr.txt").toFile()))
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "localize did not finish");
        String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(0, process.exitValue(), err);
        assertTrue(out.startsWith("{\"files\":[{\"path\":\"net/retry.py\""), out + err);
        assertTrue(err.contains("2 embedded"), err);
        assertTrue(new File(dir.resolve("index/lucene").toString()).isDirectory());
    }
}
