package ai.magicode.appliance.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.git.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeIndexTest {
    @TempDir
    Path dir;

    /** Distinctive source text: none of it may appear in a privacy-mode index. */
    private static final String SECRET_LITERAL = "zebra-quokka-passphrase";

    private final List<String> embedded = new ArrayList<>();
    private GitFixture fixture;

    /** A deterministic bag-of-words embedder that records what it was asked to embed. */
    private Embedder embedder(String model) {
        return new Embedder(model, 16, texts -> {
            embedded.addAll(texts);
            float[][] vectors = new float[texts.size()][16];
            for (int i = 0; i < texts.size(); i++) {
                for (String token : IdentifierTokens.of(texts.get(i))) {
                    vectors[i][Math.floorMod(token.hashCode(), 16)] += 1;
                }
                vectors[i][0] += 0.01f;
            }
            return vectors;
        });
    }

    @BeforeEach
    void repository() throws IOException {
        fixture = GitFixture.create(dir.resolve("repo.git"), true);
        fixture.file("src/billing/InvoiceCalculator.java", """
                package billing;

                public class InvoiceCalculator {
                    private static final String KEY = "%s";

                    public long computeTaxTotal(long net) {
                        return net * 19 / 100;
                    }
                }
                """.formatted(SECRET_LITERAL))
                .file("app/session_store.py", """
                        class SessionStore:
                            def expire_stale_sessions(self, horizon):
                                return [s for s in self.sessions if s.age > horizon]
                        """)
                .file("web/router.js", "export function routeRequest(path) {\n  return path;\n}\n")
                .file("docs/guide.md", "How to compute the tax total of an invoice.\n");
    }

    private CodeIndex index(boolean privacy) {
        return CodeIndex.open(dir.resolve("index"), privacy, CodeIndex.DEFAULT_MAX_FILE_BYTES, embedder("fake-v1"));
    }

    @Test
    void privacyModeStoresNoSourceTextInAnyIndexFile() throws IOException {
        String commit = fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            index(true).update(repo, commit);
        }
        List<String> sourceTexts = List.of(
                SECRET_LITERAL,
                "computeTaxTotal",
                "computetaxtotal",
                "expire_stale_sessions",
                "horizon",
                "routeRequest",
                "sessions",
                "invoice");
        assertEquals(List.of(), indexFilesContaining(sourceTexts));
    }

    @Test
    void theSourceTextScanFindsTermsWhenPrivacyIsOff() throws IOException {
        String commit = fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            index(false).update(repo, commit);
        }
        assertFalse(indexFilesContaining(List.of("computetaxtotal")).isEmpty());
    }

    private List<String> indexFilesContaining(List<String> texts) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir.resolve("index"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                for (String text : texts) {
                    if (content.contains(text)) {
                        found.add(file.getFileName() + ": " + text);
                    }
                }
            }
        }
        return found;
    }

    @Test
    void ranksTheFileTheIssueNamesFirst() throws IOException {
        String commit = fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            CodeIndex index = index(true);
            index.update(repo, commit);
            assertEquals(
                    "app/session_store.py",
                    index.search("Stale sessions are never expired: expire_stale_sessions ignores horizon", 3, true)
                            .getFirst()
                            .path());
            assertEquals(
                    "src/billing/InvoiceCalculator.java",
                    index.search(
                                    "NPE\n  at billing.InvoiceCalculator.computeTaxTotal(InvoiceCalculator.java:7)\n",
                                    3,
                                    true)
                            .getFirst()
                            .path());
            // Plain BM25 prefers the short guide that repeats the words; the hybrid ranking prefers the code.
            assertEquals(
                    "docs/guide.md",
                    index.search("compute tax total", 3, false).getFirst().path());
            assertEquals(
                    "src/billing/InvoiceCalculator.java",
                    index.search("compute tax total", 3, true).getFirst().path());
        }
    }

    @Test
    void incrementalUpdateReindexesOnlyTheChangedFileAndUpdatesResults() throws IOException {
        String first = fixture.commit("first");
        String second = fixture.file("web/router.js", """
                        export function routeRequest(path) {
                          return path;
                        }

                        export function throttleWebsocketUpgrade(socket) {
                          return socket;
                        }
                        """).commit("second");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            CodeIndex index = index(true);
            IndexStats built = index.update(repo, first);
            assertEquals("rebuilt", built.action());
            assertEquals(4, built.filesIndexed());
            assertTrue(index.search("throttleWebsocketUpgrade", 5, true).stream()
                    .noneMatch(f -> f.path().equals("web/router.js") && f.score() > 0.5));
            embedded.clear();

            IndexStats updated = index.update(repo, second);
            assertTrue(updated.action().startsWith("incremental"), updated.action());
            assertEquals(1, updated.filesIndexed());
            assertEquals(1, updated.chunksEmbedded(), "only the new function is embedded");
            assertEquals(1, updated.vectorsReused(), "the unchanged function keeps its vector");
            assertTrue(embedded.getFirst().contains("throttleWebsocketUpgrade"), embedded.toString());
            assertEquals(second, index.indexedCommit().orElseThrow());
            assertEquals(
                    "web/router.js",
                    index.search("throttleWebsocketUpgrade fails", 5, true)
                            .getFirst()
                            .path());

            assertEquals("reused", index.update(repo, second).action());
            IndexStats back = index.update(repo, first);
            assertEquals(1, back.filesIndexed());
            assertEquals(0, back.chunksEmbedded());
        }
    }

    @Test
    void rebuildsACorruptIndex() throws IOException {
        String commit = fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            index(true).update(repo, commit);
            try (Stream<Path> files = Files.list(dir.resolve("index/lucene"))) {
                for (Path file : files.toList()) {
                    Files.write(file, "garbage".getBytes(StandardCharsets.UTF_8));
                }
            }
            CodeIndex reopened = index(true);
            assertTrue(reopened.indexedCommit().isEmpty());
            IndexStats stats = reopened.update(repo, commit);
            assertEquals("rebuilt", stats.action());
            assertEquals(
                    "app/session_store.py",
                    reopened.search("expire_stale_sessions", 1, true).getFirst().path());
        }
    }

    @Test
    void rebuildsAnIndexBuiltWithAnotherModel() throws IOException {
        String commit = fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            index(true).update(repo, commit);
            CodeIndex other =
                    CodeIndex.open(dir.resolve("index"), true, CodeIndex.DEFAULT_MAX_FILE_BYTES, embedder("fake-v2"));
            assertEquals("rebuilt", other.update(repo, commit).action());
            assertEquals("reused", other.update(repo, commit).action());
        }
    }

    @Test
    void rebuildsAnIndexOfTheFormerFormatWhosePathsHaveNoDocValues() throws IOException {
        String commit = fixture.commit("first");
        // What format 1 wrote: the path stored and indexed only, recorded as version 1.
        try (Directory d = FSDirectory.open(Files.createDirectories(dir.resolve("index/lucene")));
                IndexWriter w = new IndexWriter(d, new IndexWriterConfig(new WhitespaceAnalyzer()))) {
            Document file = new Document();
            file.add(new StringField(CodeIndex.KIND, "file", Field.Store.NO));
            file.add(new StringField(CodeIndex.PATH, "app/session_store.py", Field.Store.YES));
            w.addDocument(file);
            w.setLiveCommitData(Map.of("version", "1", "commit", commit, "privacy", "true", "model", "fake-v1")
                    .entrySet());
            w.commit();
        }
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            CodeIndex index = index(true);
            assertTrue(index.indexedCommit().isEmpty(), "a format-1 index is not taken as current");
            assertEquals("rebuilt", index.update(repo, commit).action());
            assertEquals("2", CodeIndex.FORMAT_VERSION);
            assertEquals(
                    "app/session_store.py",
                    index.search("expire_stale_sessions", 1, true).getFirst().path());
            assertEquals("reused", index.update(repo, commit).action());
        }
    }

    @Test
    void unknownRevisionFailsClearlyAndWritesNoIndex() throws IOException {
        fixture.commit("first");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            CodeIndex index = index(true);
            assertThrows(GitException.class, () -> index.update(repo, "0000000000000000000000000000000000000001"));
            assertFalse(Files.exists(dir.resolve("index/lucene")));
            try (Stream<Path> left = Files.list(dir.resolve("index"))) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("lucene.tmp")));
            }
        }
    }

    @Test
    void aRepositoryOfOnlyBinariesIndexesNothingAndSaysWhy() throws IOException {
        GitFixture binaries = GitFixture.create(dir.resolve("bin.git"), true);
        String commit = binaries.bytes("a.bin", new byte[] {1, 0, 2})
                .bytes("b.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 0})
                .commit("blobs");
        try (GitRepository repo = GitRepository.open(binaries.dir())) {
            CodeIndex index = CodeIndex.open(dir.resolve("bin-index"), true, 1000, embedder("fake-v1"));
            IndexStats stats = index.update(repo, commit);
            assertEquals(0, stats.filesIndexed());
            assertEquals(Map.of(Snapshot.Skip.BINARY, 2), stats.skipped());
            assertEquals(List.of(), index.search("anything at all", 5, true));
        }
        binaries.close();
    }

    @Test
    void skipsLargeFilesAndSymlinksOutsideTheTreeAndKeepsInvalidUtf8Files() throws IOException {
        String commit = fixture.file("data/huge.csv", "1,2,3\n".repeat(2000))
                .symlink("passwd", "../../../../../etc/passwd")
                .bytes(
                        "legacy/latin1_module.py",
                        "def legacy_caf\u00e9():\n    pass\n".getBytes(StandardCharsets.ISO_8859_1))
                .commit("odd files");
        try (GitRepository repo = GitRepository.open(fixture.dir())) {
            CodeIndex index = CodeIndex.open(dir.resolve("index"), true, 5000, embedder("fake-v1"));
            IndexStats stats = index.update(repo, commit);
            assertEquals(Map.of(Snapshot.Skip.TOO_LARGE, 1, Snapshot.Skip.SYMLINK, 1), stats.skipped());
            assertEquals(5, stats.filesIndexed());
            assertEquals(
                    "legacy/latin1_module.py",
                    index.search("legacy_caf", 1, true).getFirst().path());
        }
    }
}
