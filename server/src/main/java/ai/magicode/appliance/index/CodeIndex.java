package ai.magicode.appliance.index;

import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.git.Snapshot;
import ai.magicode.appliance.git.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;

/**
 * A Lucene index of one repository at one commit: a document per file (identifier-aware BM25 over its terms, its path
 * tokens and the symbols it defines) and a document per chunk (its line range and an HNSW vector). In privacy mode
 * (the default) every indexed term is a keyed hash and no source text is stored; paths, line ranges, blob ids and
 * vectors are. {@link #update} moves the index to another commit by re-indexing only the files that differ, inside
 * one Lucene commit; a missing, corrupt or incompatible index is rebuilt in a temporary directory and renamed into
 * place, so a reader never sees a half-written index.
 */
public final class CodeIndex {
    /** Bumped whenever the document layout changes; an index with another version is rebuilt. */
    static final String FORMAT_VERSION = "2";

    /** Files larger than this are skipped (counted) unless the caller sets another cap. */
    public static final long DEFAULT_MAX_FILE_BYTES = 1_000_000;

    static final String KIND = "kind";
    static final String PATH = "path";
    /** The path again as doc values, which searches read per hit far cheaper than stored fields (format 2). */
    static final String PATH_VALUES = "pathdv";

    static final String PATH_TOKENS = "pathtok";
    static final String BODY = "body";
    static final String DEFINES = "def";
    static final String STEM = "stem";
    static final String BLOB = "blob";
    static final String START = "start";
    static final String END = "end";
    static final String VECTOR = "vec";
    static final String VECTOR_BYTES = "vecb";
    static final String CHUNK_HASH = "ch";
    static final String SYMBOL = "sym";

    private static final System.Logger LOG = System.getLogger(CodeIndex.class.getName());
    private static final int EMBED_BATCH = 64;
    private static final int EMBED_CHARS = 1000;

    private final Path dir;
    private final boolean privacy;
    private final long maxFileBytes;
    private final Embedder embedder;
    private final byte[] key;

    private CodeIndex(Path dir, boolean privacy, long maxFileBytes, Embedder embedder, byte[] key) {
        this.dir = dir;
        this.privacy = privacy;
        this.maxFileBytes = maxFileBytes;
        this.embedder = embedder;
        this.key = key;
    }

    /**
     * Opens (creating if needed) the index kept in {@code dir}. With privacy on, the term key is read from (or
     * created in) {@code dir/index.key}; {@code embedder} may be null for a lexical-only index.
     */
    public static CodeIndex open(Path dir, boolean privacy, long maxFileBytes, Embedder embedder) {
        return open(dir, privacy, maxFileBytes, embedder, Optional.empty());
    }

    /**
     * Opens (creating if needed) the index kept in {@code dir}, hashing terms with {@code key} when privacy is on
     * (the tenant's key from the vault; without one, {@code dir/index.key}). An index built under another key is
     * rebuilt, since its hashes no longer match any query.
     */
    public static CodeIndex open(
            Path dir, boolean privacy, long maxFileBytes, Embedder embedder, Optional<byte[]> key) {
        try {
            Files.createDirectories(dir);
            try (Stream<Path> leftovers = Files.list(dir)) {
                // temporary builds of a process that died; never read
                leftovers
                        .filter(p -> p.getFileName().toString().startsWith("lucene.tmp-"))
                        .forEach(CodeIndex::deleteTree);
            }
            byte[] termKey = null;
            if (privacy) {
                termKey = key.isPresent() ? key.get().clone() : loadKey(dir.resolve("index.key"));
            }
            return new CodeIndex(dir.toAbsolutePath(), privacy, maxFileBytes, embedder, termKey);
        } catch (IOException e) {
            throw new IndexException("Cannot use index directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Where {@code magicode localize} keeps the index of a repository when no {@code --index-dir} is given:
     * {@code $XDG_CACHE_HOME/magicode/index/<hash of the repository's real path>} ({@code ~/.cache} when unset).
     */
    public static Path defaultDirectory(Path repo) {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base =
                cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        Path real;
        try {
            real = repo.toRealPath();
        } catch (IOException e) {
            real = repo.toAbsolutePath().normalize();
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(real.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return base.resolve("magicode")
                    .resolve("index")
                    .resolve(java.util.HexFormat.of().formatHex(digest, 0, 8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The texts the embedder would see for the first {@code max} embeddable chunks of a commit (for benchmarks). */
    public static List<String> embedTexts(GitRepository repo, String commit, int max) {
        List<String> texts = new ArrayList<>();
        for (SourceFile file : repo.snapshot(commit, DEFAULT_MAX_FILE_BYTES).files()) {
            if (texts.size() >= max) {
                break;
            }
            if (!RepoPaths.embeddable(file.path()) || RepoPaths.vendoredOrGenerated(file.path())) {
                continue;
            }
            repo.text(file).ifPresent(text -> {
                for (Chunk chunk : Chunker.chunk(file.path(), text)) {
                    if (texts.size() < max) {
                        texts.add(embedText(file.path(), chunk));
                    }
                }
            });
        }
        return texts;
    }

    private static byte[] loadKey(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] key = Files.readAllBytes(file);
            if (key.length == 32) {
                return key;
            }
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = file.resolveSibling("index.key.tmp");
        Files.write(tmp, key);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system; the directory's permissions protect the key
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return key;
    }

    TermHasher hasher() {
        return privacy ? TermHasher.keyed(key) : TermHasher.identity();
    }

    Path luceneDir() {
        return dir.resolve("lucene");
    }

    /** The commit the index holds, if it holds a readable, compatible one. */
    public Optional<String> indexedCommit() {
        return state().map(s -> s.get("commit"));
    }

    private Optional<Map<String, String>> state() {
        if (!Files.isDirectory(luceneDir())) {
            return Optional.empty();
        }
        try (Directory d = FSDirectory.open(luceneDir());
                DirectoryReader reader = DirectoryReader.open(d)) {
            Map<String, String> data = reader.getIndexCommit().getUserData();
            if (!FORMAT_VERSION.equals(data.get("version"))
                    || !String.valueOf(privacy).equals(data.get("privacy"))
                    || !modelName().equals(data.get("model"))
                    || !keyId().equals(data.getOrDefault("key", keyId()))
                    || data.get("commit") == null) {
                LOG.log(System.Logger.Level.INFO, "Index at {0} is incompatible ({1}); rebuilding", dir, data);
                return Optional.empty();
            }
            return Optional.of(data);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Index at {0} is unreadable ({1}); rebuilding", dir, e.toString());
            return Optional.empty();
        }
    }

    /** Names the term key without revealing it: the first bytes of its hash of a fixed label. */
    private String keyId() {
        return privacy ? hasher().hash("magicode-index-key-id") : "none";
    }

    private String modelName() {
        return embedder == null ? "none" : embedder.model();
    }

    /**
     * Brings the index to {@code revision} of {@code repo}: nothing when it is already there, the changed files
     * only when it holds an earlier (or later) commit of the same repository, else a full rebuild.
     *
     * @throws GitException when the revision is unknown
     */
    public IndexStats update(GitRepository repo, String revision) {
        return update(repo, revision, progress -> {});
    }

    /**
     * {@link #update(GitRepository, String)}, reporting after each file. When the indexed commit is not in
     * {@code repo} (a workspace fetched at depth 1 holds only the new one), the files whose blob differs from the
     * indexed one are the changed ones.
     */
    public IndexStats update(GitRepository repo, String revision, Consumer<Progress> progress) {
        String commit = repo.resolve(revision);
        long started = System.nanoTime();
        Optional<Map<String, String>> state = state();
        if (state.isPresent() && commit.equals(state.get().get("commit"))) {
            return reused(commit, started);
        }
        Snapshot snapshot = repo.snapshot(commit, maxFileBytes);
        Set<String> changed = null;
        if (state.isPresent()) {
            try {
                changed = repo.changedPaths(state.get().get("commit"), commit);
            } catch (GitException e) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "Indexed commit not in {0}; comparing blobs with the index",
                        repo.location());
                changed = changedBlobs(snapshot);
            }
        }
        Set<String> paths = changed;
        return writing(() -> paths != null
                ? incremental(repo::text, snapshot, paths, started, progress)
                : rebuild(repo, snapshot, started, progress));
    }

    /**
     * Brings an index that holds an earlier commit to {@code snapshot}'s commit without a fetched repository: the
     * files whose blob differs from the indexed one are read one by one through {@code text} (e.g. blobs from the
     * GitHub API), so a one-file push reads one file, however large the repository.
     *
     * @param snapshot the new commit's tree, listed without its contents
     * @param maxChanged above this many changed paths, reading them one by one costs more than a fetch
     * @return empty when the index holds no compatible commit yet or more than {@code maxChanged} paths changed: the
     *     caller updates from a fetched repository instead
     */
    public Optional<IndexStats> updateChanged(
            Snapshot snapshot,
            Function<SourceFile, Optional<String>> text,
            int maxChanged,
            Consumer<Progress> progress) {
        long started = System.nanoTime();
        Optional<Map<String, String>> state = state();
        if (state.isEmpty()) {
            return Optional.empty();
        }
        if (snapshot.commit().equals(state.get().get("commit"))) {
            return Optional.of(reused(snapshot.commit(), started));
        }
        Set<String> changed = changedBlobs(snapshot);
        if (changed.size() > maxChanged) {
            return Optional.empty();
        }
        return Optional.of(writing(() -> incremental(text, snapshot, changed, started, progress)));
    }

    private static IndexStats reused(String commit, long started) {
        return new IndexStats(commit, "reused", 0, 0, 0, 0, Map.of(), 0, seconds(started));
    }

    /** A write of the index, whose I/O failures {@link #writing} reports. */
    @FunctionalInterface
    private interface Write {
        IndexStats run() throws IOException;
    }

    /** Runs {@code write}, reporting a second writer or an I/O failure as an {@link IndexException}. */
    private IndexStats writing(Write write) {
        try {
            return write.run();
        } catch (LockObtainFailedException e) {
            throw new IndexException("Index " + dir + " is being written by another process; try again later", e);
        } catch (IOException e) {
            throw new IndexException("Cannot write index " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Progress of an update.
     *
     * @param filesDone files looked at so far (indexed or skipped)
     * @param filesTotal files to look at
     * @param chunks chunks indexed so far
     */
    public record Progress(int filesDone, int filesTotal, int chunks) {}

    /** The paths whose blob differs between {@code snapshot} and the index (added, changed or deleted). */
    private Set<String> changedBlobs(Snapshot snapshot) {
        Map<String, String> indexed = new HashMap<>();
        try (Directory d = FSDirectory.open(luceneDir());
                DirectoryReader reader = DirectoryReader.open(d)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            StoredFields stored = reader.storedFields();
            ScoreDoc[] hits = searcher.search(new TermQuery(new Term(KIND, "file")), Integer.MAX_VALUE).scoreDocs;
            for (ScoreDoc hit : hits) {
                Document doc = stored.document(hit.doc, Set.of(PATH, BLOB));
                indexed.put(doc.get(PATH), doc.get(BLOB));
            }
        } catch (IOException e) {
            throw new IndexException("Cannot read index " + dir + ": " + e.getMessage(), e);
        }
        Set<String> changed = new LinkedHashSet<>();
        Set<String> present = new HashSet<>();
        for (SourceFile file : snapshot.files()) {
            present.add(file.path());
            if (!file.blobId().equals(indexed.get(file.path()))) {
                changed.add(file.path());
            }
        }
        for (String path : indexed.keySet()) {
            if (!present.contains(path)) {
                changed.add(path);
            }
        }
        return changed;
    }

    private IndexStats rebuild(GitRepository repo, Snapshot snapshot, long started, Consumer<Progress> progress)
            throws IOException {
        Path tmp = dir.resolve("lucene.tmp-" + Long.toHexString(System.nanoTime()));
        Writer writer;
        try (Directory d = FSDirectory.open(tmp);
                IndexWriter w = new IndexWriter(d, config())) {
            writer = new Writer(w, repo::text, null);
            int done = 0;
            for (SourceFile file : snapshot.files()) {
                writer.add(file);
                progress.accept(new Progress(++done, snapshot.files().size(), writer.chunks));
            }
            writer.flushEmbeddings();
            w.setLiveCommitData(commitData(snapshot.commit()).entrySet());
            w.commit();
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
        deleteTree(luceneDir());
        try {
            Files.move(tmp, luceneDir(), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, luceneDir());
        }
        return writer.stats(snapshot, "rebuilt", started);
    }

    private IndexStats incremental(
            Function<SourceFile, Optional<String>> text,
            Snapshot snapshot,
            Set<String> changed,
            long started,
            Consumer<Progress> progress)
            throws IOException {
        Map<String, SourceFile> now = new HashMap<>();
        for (SourceFile file : snapshot.files()) {
            now.put(file.path(), file);
        }
        try (Directory d = FSDirectory.open(luceneDir());
                IndexWriter w = new IndexWriter(d, config().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
            try (DirectoryReader before = DirectoryReader.open(w)) {
                Writer writer = new Writer(w, text, before);
                int done = 0;
                for (String path : changed) {
                    w.deleteDocuments(new Term(PATH, path));
                    SourceFile file = now.get(path);
                    if (file != null) {
                        writer.add(file);
                    }
                    progress.accept(new Progress(++done, changed.size(), writer.chunks));
                }
                writer.flushEmbeddings();
                w.setLiveCommitData(commitData(snapshot.commit()).entrySet());
                w.commit();
                return writer.stats(snapshot, "incremental (" + changed.size() + " changed paths)", started);
            }
        }
    }

    private Map<String, String> commitData(String commit) {
        return Map.of(
                "version",
                FORMAT_VERSION,
                "commit",
                commit,
                "privacy",
                String.valueOf(privacy),
                "model",
                modelName(),
                "key",
                keyId());
    }

    private static IndexWriterConfig config() {
        IndexWriterConfig config = new IndexWriterConfig(new WhitespaceAnalyzer());
        config.setRAMBufferSizeMB(64);
        config.setCommitOnClose(false);
        return config;
    }

    /** Adds files' documents, batching chunk embeddings. */
    private final class Writer {
        private final IndexWriter w;
        private final Function<SourceFile, Optional<String>> text;
        private final DirectoryReader previous;
        private final TermHasher hasher = hasher();
        private final List<Document> pending = new ArrayList<>();
        private final List<String> pendingTexts = new ArrayList<>();
        private final Map<Snapshot.Skip, Integer> skipped = new EnumMap<>(Snapshot.Skip.class);
        private int files;
        private int chunks;
        private int embedded;
        private int reused;
        private long embedNanos;

        Writer(IndexWriter w, Function<SourceFile, Optional<String>> text, DirectoryReader previous) {
            this.w = w;
            this.text = text;
            this.previous = previous;
        }

        /**
         * The vector of an identical chunk in the index as it was before this update (any file: moved and renamed
         * code keeps its vectors), so an incremental update embeds only chunks whose text is new.
         */
        private float[] previousVector(String chunkHash) throws IOException {
            if (previous == null) {
                return null;
            }
            IndexSearcher searcher = new IndexSearcher(previous);
            ScoreDoc[] hits = searcher.search(new TermQuery(new Term(CHUNK_HASH, chunkHash)), 1).scoreDocs;
            if (hits.length == 0) {
                return null;
            }
            BytesRef bytes = previous.storedFields()
                    .document(hits[0].doc, Set.of(VECTOR_BYTES))
                    .getBinaryValue(VECTOR_BYTES);
            return bytes == null ? null : decode(bytes);
        }

        void add(SourceFile file) throws IOException {
            if (RepoPaths.vendoredOrGenerated(file.path())) {
                skipped.merge(Snapshot.Skip.VENDORED_OR_GENERATED, 1, Integer::sum);
                return;
            }
            Optional<String> content = text.apply(file);
            if (content.isEmpty()) {
                skipped.merge(Snapshot.Skip.BINARY, 1, Integer::sum);
                return;
            }
            if (RepoPaths.looksGenerated(content.get())) {
                skipped.merge(Snapshot.Skip.VENDORED_OR_GENERATED, 1, Integer::sum);
                return;
            }
            add(file.path(), file.blobId(), content.get());
        }

        /** Adds the documents of one file's text: its file document and one per chunk. */
        void add(String path, String blobId, String text) throws IOException {
            files++;
            List<Chunk> fileChunks = Chunker.chunk(path, text);
            Document doc = new Document();
            doc.add(new StringField(KIND, "file", Field.Store.NO));
            doc.add(new StringField(PATH, path, Field.Store.YES));
            doc.add(new SortedDocValuesField(PATH_VALUES, new BytesRef(path)));
            doc.add(new StoredField(BLOB, blobId));
            doc.add(new Field(
                    PATH_TOKENS, new TermStream(hashed(IdentifierTokens.of(path))), TextField.TYPE_NOT_STORED));
            doc.add(new Field(BODY, new TermStream(hashed(IdentifierTokens.of(text))), TextField.TYPE_NOT_STORED));
            doc.add(new StringField(STEM, hasher.hash(RepoPaths.stem(path)), Field.Store.NO));
            Set<String> defined = new LinkedHashSet<>();
            for (Chunk chunk : fileChunks) {
                if (!chunk.name().isEmpty()) {
                    for (String name : chunk.name().split("\\.")) {
                        defined.add(name.toLowerCase(Locale.ROOT));
                    }
                }
            }
            for (String name : defined) {
                doc.add(new StringField(DEFINES, hasher.hash(name), Field.Store.NO));
            }
            w.addDocument(doc);
            boolean embed = embedder != null && RepoPaths.embeddable(path);
            for (Chunk chunk : fileChunks) {
                chunks++;
                Document c = new Document();
                c.add(new StringField(KIND, "chunk", Field.Store.NO));
                c.add(new StringField(PATH, path, Field.Store.NO));
                c.add(new SortedDocValuesField(PATH_VALUES, new BytesRef(path)));
                c.add(new StoredField(START, chunk.startLine()));
                c.add(new StoredField(END, chunk.endLine()));
                c.add(new Field(
                        SYMBOL,
                        new TermStream(hashed(IdentifierTokens.of(chunk.qualifiedName()))),
                        TextField.TYPE_NOT_STORED));
                if (!embed) {
                    w.addDocument(c);
                    continue;
                }
                String embedText = embedText(path, chunk);
                String chunkHash = hasher.hash("chunk\u0000" + embedText);
                c.add(new StringField(CHUNK_HASH, chunkHash, Field.Store.YES));
                float[] vector = previousVector(chunkHash);
                if (vector != null) {
                    reused++;
                    addVector(c, vector);
                    w.addDocument(c);
                } else {
                    pending.add(c);
                    pendingTexts.add(embedText);
                    if (pending.size() >= EMBED_BATCH) {
                        flushEmbeddings();
                    }
                }
            }
        }

        private List<String> hashed(List<String> terms) {
            return terms.stream().map(hasher::hash).toList();
        }

        void flushEmbeddings() throws IOException {
            if (pending.isEmpty()) {
                return;
            }
            long t = System.nanoTime();
            float[][] vectors = embedder.embed().apply(List.copyOf(pendingTexts));
            embedNanos += System.nanoTime() - t;
            for (int i = 0; i < pending.size(); i++) {
                addVector(pending.get(i), vectors[i]);
                w.addDocument(pending.get(i));
            }
            embedded += pending.size();
            pending.clear();
            pendingTexts.clear();
        }

        private void addVector(Document c, float[] vector) {
            c.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.COSINE));
            c.add(new StoredField(VECTOR_BYTES, encode(vector)));
        }

        IndexStats stats(Snapshot snapshot, String action, long started) {
            Map<Snapshot.Skip, Integer> all = new EnumMap<>(Snapshot.Skip.class);
            all.putAll(snapshot.skipped());
            skipped.forEach((k, v) -> all.merge(k, v, Integer::sum));
            return new IndexStats(
                    snapshot.commit(),
                    action,
                    files,
                    chunks,
                    embedded,
                    reused,
                    Map.copyOf(all),
                    embedNanos / 1e9,
                    seconds(started));
        }
    }

    /** The text a chunk is embedded from: where it is and what it is called, then its code, cut to the model's window. */
    static String embedText(String path, Chunk chunk) {
        StringBuilder s = new StringBuilder(path);
        if (!chunk.name().isEmpty()) {
            s.append(' ').append(chunk.qualifiedName());
        }
        s.append('\n').append(chunk.text().strip());
        String text = s.length() > EMBED_CHARS ? s.substring(0, EMBED_CHARS) : s.toString();
        return text.isBlank() ? path : text;
    }

    static byte[] encode(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        return buffer.array();
    }

    static float[] decode(BytesRef bytes) {
        float[] vector = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes.bytes, bytes.offset, bytes.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(vector);
        return vector;
    }

    /**
     * Ranks the files of the indexed commit for an issue text; {@code hybrid} false gives the plain BM25 baseline
     * (file documents, body terms only), true the fused ranking of {@link Localizer}.
     */
    public List<FileScore> search(String issue, int top, boolean hybrid) {
        if (!Files.isDirectory(luceneDir())) {
            throw new IndexException("No index in " + dir + "; update it first", null);
        }
        try (Directory d = FSDirectory.open(luceneDir());
                DirectoryReader reader = DirectoryReader.open(d)) {
            Localizer localizer = new Localizer(new IndexSearcher(reader), hasher(), embedder);
            return hybrid ? localizer.hybrid(issue, top) : localizer.bm25(issue, top);
        } catch (IOException e) {
            throw new IndexException("Cannot read index " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the index with one built from generated files (path and text) instead of a Git commit, recorded as
     * {@code commit}: for benchmarks, through the same documents, chunking, hashing and embedding as an update.
     *
     * @return the chunks indexed
     */
    long build(String commit, Iterator<Map.Entry<String, String>> files) throws IOException {
        deleteTree(luceneDir());
        // Each indexing thread fills its own in-memory segment, HNSW graph included, so the graphs are built in
        // parallel; a large buffer keeps the segments few (each one is a graph a vector search visits).
        int threads = Runtime.getRuntime().availableProcessors();
        long bufferMb = Math.clamp(Runtime.getRuntime().maxMemory() / 3 / (1 << 20), 64, 1900);
        IndexWriterConfig config = config().setRAMBufferSizeMB(bufferMb);
        try (Directory d = FSDirectory.open(luceneDir());
                IndexWriter w = new IndexWriter(d, config)) {
            List<Writer> writers = new ArrayList<>();
            List<Future<?>> running = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    Writer writer = new Writer(w, null, null);
                    writers.add(writer);
                    running.add(pool.submit(() -> {
                        while (true) {
                            Map.Entry<String, String> file;
                            synchronized (files) {
                                if (!files.hasNext()) {
                                    break;
                                }
                                file = files.next();
                            }
                            writer.add(file.getKey(), "generated", file.getValue());
                        }
                        writer.flushEmbeddings();
                        return null;
                    }));
                }
                for (Future<?> future : running) {
                    future.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IndexException("Interrupted while building " + dir, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IndexException("Cannot build " + dir + ": " + e.getCause(), e.getCause());
            }
            w.setLiveCommitData(commitData(commit).entrySet());
            w.commit();
            return writers.stream().mapToLong(writer -> writer.chunks).sum();
        }
    }

    /**
     * Opens a reader of the index kept open for many searches (the commit on disk now); the caller closes it, and
     * opens a new one after an update.
     */
    Searcher openSearcher() {
        if (!Files.isDirectory(luceneDir())) {
            throw new IndexException("No index in " + dir + "; update it first", null);
        }
        try {
            return new Searcher(FSDirectory.open(luceneDir()));
        } catch (IOException e) {
            throw new IndexException("Cannot read index " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A shared, reference-counted reader of one commit of the index: searches run concurrently on it, and closing it
     * while some run lets them finish on it first.
     */
    final class Searcher implements AutoCloseable {
        private final Directory directory;
        private final SearcherManager manager;
        // Listed on the first search; the manager is never refreshed (an update replaces the whole Searcher).
        private volatile Localizer.Paths paths;

        private Searcher(Directory directory) throws IOException {
            this.directory = directory;
            try {
                this.manager = new SearcherManager(directory, null);
            } catch (IOException | RuntimeException e) {
                directory.close();
                throw e;
            }
        }

        /**
         * {@link CodeIndex#search} on this reader.
         *
         * @throws AlreadyClosedException when the reader was closed before the search began
         */
        List<FileScore> search(String issue, int top, boolean hybrid) {
            IndexSearcher searcher;
            try {
                searcher = manager.acquire();
            } catch (IOException e) {
                throw new IndexException("Cannot read index " + dir + ": " + e.getMessage(), e);
            }
            try {
                Localizer localizer = new Localizer(searcher, hasher(), embedder, hybrid ? paths(searcher) : null);
                return hybrid ? localizer.hybrid(issue, top) : localizer.bm25(issue, top);
            } catch (IOException e) {
                throw new IndexException("Cannot read index " + dir + ": " + e.getMessage(), e);
            } finally {
                try {
                    manager.release(searcher);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "Cannot release a reader of {0}: {1}", dir, e.toString());
                }
            }
        }

        /** Documents of a kind ({@code file} or {@code chunk}) in this reader. */
        long count(String kind) throws IOException {
            IndexSearcher searcher = manager.acquire();
            try {
                return searcher.count(new TermQuery(new Term(KIND, kind)));
            } finally {
                manager.release(searcher);
            }
        }

        /** Segments in this reader: each holds its own HNSW graph, which every vector search visits. */
        int segments() throws IOException {
            IndexSearcher searcher = manager.acquire();
            try {
                return searcher.getIndexReader().leaves().size();
            } finally {
                manager.release(searcher);
            }
        }

        /**
         * The {@code k} chunks nearest to {@code query} (global doc ids): {@code exact} compares with every vector,
         * else the HNSW search as the hybrid search runs it ({@link Localizer#CANDIDATES} candidates), cut to k.
         */
        Set<Integer> nearest(float[] query, int k, boolean exact) throws IOException {
            IndexSearcher searcher = manager.acquire();
            try {
                if (!exact) {
                    ScoreDoc[] hits = searcher.search(
                                    new KnnFloatVectorQuery(VECTOR, query, Localizer.CANDIDATES), Localizer.CANDIDATES)
                            .scoreDocs;
                    Set<Integer> docs = new HashSet<>();
                    for (int i = 0; i < Math.min(k, hits.length); i++) {
                        docs.add(hits[i].doc);
                    }
                    return docs;
                }
                PriorityQueue<ScoreDoc> best = new PriorityQueue<>(Comparator.comparingDouble(h -> h.score));
                for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                    FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
                    if (values == null) {
                        continue;
                    }
                    KnnVectorValues.DocIndexIterator it = values.iterator();
                    for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                        float score = VectorSimilarityFunction.COSINE.compare(query, values.vectorValue(it.index()));
                        if (best.size() < k || score > best.peek().score) {
                            best.add(new ScoreDoc(leaf.docBase + doc, score));
                            if (best.size() > k) {
                                best.poll();
                            }
                        }
                    }
                }
                Set<Integer> docs = new HashSet<>();
                best.forEach(h -> docs.add(h.doc));
                return docs;
            } finally {
                manager.release(searcher);
            }
        }

        private Localizer.Paths paths(IndexSearcher searcher) throws IOException {
            Localizer.Paths listed = paths;
            if (listed == null) {
                listed = Localizer.Paths.of(Localizer.allPaths(searcher));
                paths = listed;
            }
            return listed;
        }

        @Override
        public void close() {
            try {
                manager.close();
                directory.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "Cannot close a reader of {0}: {1}", dir, e.toString());
            }
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Deletes an index directory and everything in it. */
    public static void deleteIndex(Path dir) {
        deleteTree(dir);
    }

    static void deleteTree(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + path, e);
        }
    }
}
