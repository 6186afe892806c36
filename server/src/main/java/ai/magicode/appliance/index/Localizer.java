package ai.magicode.appliance.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;

/**
 * Ranks files for an issue. The BM25 baseline scores file documents by their terms. The hybrid ranking fuses, per
 * file: BM25 over terms and path tokens, the best vector similarity among its chunks, explicit mentions (paths, stack
 * frames, dotted module names, a class named like the file) and definitions of the identifiers the issue names (IDF
 * weighted), and the best unit whose qualified name matches the issue's words; then weighs by the structural prior of {@link RepoPaths#prior} (tests, docs and other text need more
 * evidence).
 */
final class Localizer {
    static final double LEXICAL = 1.0;
    static final double VECTOR = 0.6;
    static final double MENTION = 0.8;
    static final double DEFINITION = 0.5;
    static final double SYMBOL = 0.2;
    static final int CANDIDATES = 300;
    private static final float TITLE_BOOST = 2.0f;
    private static final int MAX_TERMS = 1000;

    private final IndexSearcher searcher;
    private final TermHasher hasher;
    private final Embedder embedder;
    private final Paths paths;

    /** The paths of all files in an index and the files by stem: the same for every search on one reader. */
    record Paths(List<String> all, Map<String, List<String>> byStem) {
        static Paths of(List<String> all) {
            Map<String, List<String>> byStem = new HashMap<>();
            for (String path : all) {
                byStem.computeIfAbsent(RepoPaths.stem(path), s -> new ArrayList<>())
                        .add(path);
            }
            byStem.replaceAll((stem, paths) -> List.copyOf(paths));
            return new Paths(List.copyOf(all), Map.copyOf(byStem));
        }
    }

    Localizer(IndexSearcher searcher, TermHasher hasher, Embedder embedder) {
        this(searcher, hasher, embedder, null);
    }

    /**
     * @param paths the paths of all files in {@code searcher}'s index, as {@link #allPaths} lists them; null: listed
     *     by each hybrid search
     */
    Localizer(IndexSearcher searcher, TermHasher hasher, Embedder embedder, Paths paths) {
        this.searcher = searcher;
        this.hasher = hasher;
        this.embedder = embedder;
        this.paths = paths;
        IndexSearcher.setMaxClauseCount(Math.max(IndexSearcher.getMaxClauseCount(), 4 * MAX_TERMS));
    }

    List<FileScore> bm25(String issue, int top) throws IOException {
        Map<String, Double> scores = lexical(issue, false, top);
        return ranked(scores, top);
    }

    List<FileScore> hybrid(String issue, int top) throws IOException {
        Map<String, Double> lexical = normalized(lexical(issue, true, CANDIDATES));
        Map<String, Double> vector = normalized(vector(issue));
        IssueSignals signals = IssueSignals.of(issue);
        Map<String, Double> mentions = mentions(signals, paths != null ? paths : Paths.of(allPaths(searcher)));
        Map<String, Double> definitions = normalized(definitions(signals));
        Map<String, Double> symbols = normalized(symbols(issue));
        Set<String> candidates = new LinkedHashSet<>(lexical.keySet());
        candidates.addAll(vector.keySet());
        candidates.addAll(mentions.keySet());
        candidates.addAll(definitions.keySet());
        candidates.addAll(symbols.keySet());
        Map<String, Double> fused = new HashMap<>();
        for (String path : candidates) {
            double score = LEXICAL * lexical.getOrDefault(path, 0.0)
                    + VECTOR * vector.getOrDefault(path, 0.0)
                    + MENTION * mentions.getOrDefault(path, 0.0)
                    + DEFINITION * definitions.getOrDefault(path, 0.0)
                    + SYMBOL * symbols.getOrDefault(path, 0.0);
            fused.put(path, score * RepoPaths.prior(path));
        }
        return ranked(fused, top);
    }

    private Map<String, Double> lexical(String issue, boolean withPaths, int top) throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String term : IdentifierTokens.of(issue)) {
            if (counts.size() >= MAX_TERMS && !counts.containsKey(term)) {
                continue;
            }
            counts.merge(term, 1, Integer::sum);
        }
        if (counts.isEmpty()) {
            return Map.of();
        }
        // An issue's title names the problem; its body adds logs and code that dilute it.
        Set<String> title = withPaths
                ? Set.copyOf(IdentifierTokens.of(issue.lines().findFirst().orElse("")))
                : Set.of();
        BooleanQuery.Builder terms = new BooleanQuery.Builder();
        for (String term : counts.keySet()) {
            String hashed = hasher.hash(term);
            Query body = new TermQuery(new Term(CodeIndex.BODY, hashed));
            terms.add(title.contains(term) ? new BoostQuery(body, TITLE_BOOST) : body, BooleanClause.Occur.SHOULD);
            if (withPaths) {
                terms.add(
                        new BoostQuery(new TermQuery(new Term(CodeIndex.PATH_TOKENS, hashed)), 2.0f),
                        BooleanClause.Occur.SHOULD);
            }
        }
        Query query = new BooleanQuery.Builder()
                .add(terms.build(), BooleanClause.Occur.MUST)
                .add(new TermQuery(new Term(CodeIndex.KIND, "file")), BooleanClause.Occur.FILTER)
                .build();
        Map<String, Double> scores = new LinkedHashMap<>();
        ScoreDoc[] hits = searcher.search(query, top).scoreDocs;
        String[] paths = paths(searcher, hits);
        for (int i = 0; i < hits.length; i++) {
            scores.put(paths[i], (double) hits[i].score);
        }
        return scores;
    }

    /**
     * Files by their best unit whose qualified name (split into words) matches the issue's words: BM25 over the
     * chunks' symbol field, the title's words counting double, aggregated per file by the best chunk.
     */
    private Map<String, Double> symbols(String issue) throws IOException {
        Set<String> words = new LinkedHashSet<>(IdentifierTokens.of(issue));
        if (words.isEmpty()) {
            return Map.of();
        }
        Set<String> title =
                Set.copyOf(IdentifierTokens.of(issue.lines().findFirst().orElse("")));
        BooleanQuery.Builder terms = new BooleanQuery.Builder();
        int added = 0;
        for (String word : words) {
            if (added++ >= MAX_TERMS) {
                break;
            }
            Query symbol = new TermQuery(new Term(CodeIndex.SYMBOL, hasher.hash(word)));
            terms.add(title.contains(word) ? new BoostQuery(symbol, TITLE_BOOST) : symbol, BooleanClause.Occur.SHOULD);
        }
        ScoreDoc[] hits = searcher.search(terms.build(), CANDIDATES).scoreDocs;
        String[] paths = paths(searcher, hits);
        Map<String, Double> best = new HashMap<>();
        for (int i = 0; i < hits.length; i++) {
            best.merge(paths[i], (double) hits[i].score, Math::max);
        }
        return best;
    }

    private Map<String, Double> vector(String issue) throws IOException {
        if (embedder == null || issue.isBlank()) {
            return Map.of();
        }
        String text = issue.length() > 2000 ? issue.substring(0, 2000) : issue;
        float[] query = embedder.embed().apply(List.of(text))[0];
        Map<String, Double> best = new HashMap<>();
        ScoreDoc[] hits =
                searcher.search(new KnnFloatVectorQuery(CodeIndex.VECTOR, query, CANDIDATES), CANDIDATES).scoreDocs;
        String[] paths = paths(searcher, hits);
        for (int i = 0; i < hits.length; i++) {
            best.merge(paths[i], (double) hits[i].score, Math::max);
        }
        return best;
    }

    /** The paths of all files in the index: the same for every search on one reader, so a kept reader lists them once. */
    static List<String> allPaths(IndexSearcher searcher) throws IOException {
        ScoreDoc[] hits = searcher.search(new TermQuery(new Term(CodeIndex.KIND, "file")), Integer.MAX_VALUE).scoreDocs;
        return List.of(paths(searcher, hits));
    }

    /**
     * The path of each hit, from doc values: hits visited in document order, one forward pass per segment, instead of
     * a stored-fields block decompressed per hit.
     */
    static String[] paths(IndexSearcher searcher, ScoreDoc[] hits) throws IOException {
        Integer[] order = new Integer[hits.length];
        for (int i = 0; i < hits.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> hits[i].doc));
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        String[] paths = new String[hits.length];
        int leaf = -1;
        SortedDocValues values = null;
        for (int i : order) {
            int doc = hits[i].doc;
            int at = ReaderUtil.subIndex(doc, leaves);
            if (at != leaf) {
                leaf = at;
                values = leaves.get(at).reader().getSortedDocValues(CodeIndex.PATH_VALUES);
            }
            if (values == null || !values.advanceExact(doc - leaves.get(at).docBase)) {
                throw new IOException(
                        "document " + doc + " has no path; the index is not of format " + CodeIndex.FORMAT_VERSION);
            }
            paths[i] = values.lookupOrd(values.ordValue()).utf8ToString();
        }
        return paths;
    }

    /** Files the issue names: by path or stack frame (strongest), by dotted module name, by a class named like it. */
    static Map<String, Double> mentions(IssueSignals signals, Paths listed) {
        List<String> paths = listed.all();
        Map<String, Double> scores = new HashMap<>();
        for (String mention : signals.framePaths()) {
            addSuffixMatches(scores, paths, mention, 1.0);
        }
        for (String mention : signals.paths()) {
            addSuffixMatches(scores, paths, mention, 1.0);
        }
        for (String dotted : signals.dottedNames()) {
            String[] parts = dotted.split("\\.");
            for (int k = parts.length; k >= 2; k--) {
                String module = String.join("/", java.util.Arrays.copyOf(parts, k));
                boolean found = false;
                for (String path : paths) {
                    String noExt = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : path;
                    if (endsWithSegments(noExt, module) || endsWithSegments(path, module + "/__init__.py")) {
                        scores.merge(path, 0.8, Math::max);
                        found = true;
                    }
                }
                if (found) {
                    break;
                }
            }
        }
        Map<String, List<String>> byStem = listed.byStem();
        for (String identifier : signals.identifiers()) {
            if (!Character.isUpperCase(identifier.charAt(0))) {
                continue;
            }
            List<String> named = byStem.getOrDefault(identifier.toLowerCase(Locale.ROOT), List.of());
            for (String path : named) {
                scores.merge(path, 0.7 / named.size(), Math::max);
            }
        }
        return scores;
    }

    private static void addSuffixMatches(
            Map<String, Double> scores, List<String> paths, String mention, double weight) {
        String[] parts = mention.replaceAll("^[./]+", "").split("/");
        for (int k = Math.min(parts.length, 8); k >= 1; k--) {
            String suffix = String.join("/", java.util.Arrays.copyOfRange(parts, parts.length - k, parts.length));
            List<String> matches =
                    paths.stream().filter(p -> endsWithSegments(p, suffix)).toList();
            if (!matches.isEmpty()) {
                double score = weight * (k >= 2 || parts.length == 1 ? 1.0 : 0.6) / matches.size();
                for (String path : matches) {
                    scores.merge(path, score, Math::max);
                }
                return;
            }
        }
    }

    static boolean endsWithSegments(String path, String suffix) {
        int at = path.length() - suffix.length();
        return path.endsWith(suffix) && (at == 0 || (at > 0 && path.charAt(at - 1) == '/'));
    }

    /** Files defining the identifiers the issue names, each identifier weighted by how few files define it. */
    private Map<String, Double> definitions(IssueSignals signals) throws IOException {
        Map<String, Double> scores = new HashMap<>();
        int files = Math.max(1, searcher.count(new TermQuery(new Term(CodeIndex.KIND, "file"))));
        for (String identifier : signals.identifiers()) {
            Term term = new Term(CodeIndex.DEFINES, hasher.hash(identifier.toLowerCase(Locale.ROOT)));
            int df = searcher.getIndexReader().docFreq(term);
            if (df == 0 || df > 50) {
                continue;
            }
            double idf = Math.log(1.0 + (double) files / df);
            for (String path : paths(searcher, searcher.search(new TermQuery(term), 50).scoreDocs)) {
                scores.merge(path, idf, Double::sum);
            }
        }
        return scores;
    }

    private static Map<String, Double> normalized(Map<String, Double> scores) {
        double max =
                scores.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double min = scores.size() > 1
                ? scores.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .min()
                        .orElse(0)
                : 0;
        if (max <= min) {
            Map<String, Double> flat = new HashMap<>();
            scores.keySet().forEach(k -> flat.put(k, max > 0 ? 1.0 : 0.0));
            return flat;
        }
        Map<String, Double> result = new HashMap<>();
        scores.forEach((k, v) -> result.put(k, (v - min) / (max - min)));
        return result;
    }

    private static List<FileScore> ranked(Map<String, Double> scores, int top) {
        return scores.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(top)
                .map(e -> new FileScore(e.getKey(), Math.round(e.getValue() * 10000) / 10000.0))
                .toList();
    }
}
