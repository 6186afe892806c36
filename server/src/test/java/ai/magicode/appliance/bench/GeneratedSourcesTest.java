package ai.magicode.appliance.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.git.GeneratedRepository;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.index.CodeIndex;
import ai.magicode.appliance.index.IndexStats;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated benchmark repositories: every file is indexed with its type and functions; a push changes one file. */
class GeneratedSourcesTest {
    @TempDir
    Path dir;

    @Test
    void eachGeneratedFileIsOneTypeAndItsFunctionsInEveryLanguage() {
        GeneratedSources sources = new GeneratedSources(3);
        try (GeneratedRepository generated = GeneratedRepository.create(dir.resolve("repo.git"), sources.files(8));
                GitRepository repository = GitRepository.open(generated.location())) {
            IndexStats stats = CodeIndex.open(dir.resolve("index"), true, CodeIndex.DEFAULT_MAX_FILE_BYTES, null)
                    .update(repository, "main");
            assertEquals(8, stats.filesIndexed(), stats.toString());
            // A type and its three functions per file at least (comments and headers outside them become windows).
            assertTrue(stats.chunksIndexed() >= 8 * (3 + 1), stats.toString());
        }
    }

    @Test
    void aCommitChangesExactlyTheGivenFileAndMovesMain() {
        GeneratedSources sources = new GeneratedSources(2);
        try (GeneratedRepository generated = GeneratedRepository.create(dir.resolve("repo.git"), sources.files(20));
                GitRepository repository = GitRepository.open(generated.location())) {
            String before = repository.resolve("main");
            String after = generated.commit(Map.of(sources.path(5), sources.text(5, 1)));
            assertNotEquals(before, after);
            assertEquals(after, repository.resolve("main"));
            assertEquals(Set.of(sources.path(5)), repository.changedPaths(before, after));
            assertEquals(
                    sources.text(5, 1), repository.text(after, sources.path(5)).orElseThrow());
            assertNotEquals(sources.text(5, 0), sources.text(5, 1));
        }
    }
}
