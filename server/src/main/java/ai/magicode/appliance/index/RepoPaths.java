package ai.magicode.appliance.index;

import java.util.Locale;
import java.util.regex.Pattern;

/** What a path says about a file: vendored or generated, a test, documentation, code; and the prior that follows. */
final class RepoPaths {
    private static final Pattern VENDORED = Pattern.compile(
            "(^|/)(node_modules|vendor|third_party|thirdparty|bower_components|dist|\\.git)/|\\.min\\.(js|css)$|"
                    + "(^|/)(package-lock\\.json|yarn\\.lock|pnpm-lock\\.yaml|poetry\\.lock|go\\.sum|Cargo\\.lock)$");
    private static final Pattern TEST = Pattern.compile(
            "(^|/)(tests?|testing|__tests__|spec|test-data|testdata|fixtures)/|(^|/)test_[^/]*$|_tests?\\.[a-z]+$|"
                    + "(^|/)conftest\\.py$|[A-Za-z0-9](Test|Tests|TestCase|IT|Spec)\\.[a-z]+$|\\.(test|spec)\\.[jt]sx?$");
    private static final Pattern DOC = Pattern.compile(
            "(^|/)(docs?|examples?|benchmarks?|changelog\\.d|changes|site|\\.github)/|"
                    + "\\.(md|rst|txt|adoc|html|css|svg|ipynb)$|(^|/)(CHANGES|CHANGELOG|HISTORY|NEWS|AUTHORS|LICENSE)[^/]*$",
            Pattern.CASE_INSENSITIVE);

    private RepoPaths() {}

    static boolean vendoredOrGenerated(String path) {
        return VENDORED.matcher(path).find();
    }

    /** Minified or machine-written text: very long average line length. */
    static boolean looksGenerated(String text) {
        int lines = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        return text.length() > 20_000 && text.length() / lines > 400;
    }

    static boolean test(String path) {
        return TEST.matcher(path).find();
    }

    static boolean doc(String path) {
        return DOC.matcher(path).find();
    }

    static boolean code(String path) {
        return Chunker.language(path) != Chunker.Language.TEXT;
    }

    /** Files whose chunks get vectors: code that is neither a test nor documentation (see docs/performance.md). */
    static boolean embeddable(String path) {
        return code(path) && !test(path) && !doc(path);
    }

    /**
     * The structural prior: an issue is fixed in source code far more often than in tests, docs or other text, so
     * those files need stronger evidence to rank first.
     */
    static double prior(String path) {
        if (test(path)) {
            return 0.35;
        }
        if (doc(path)) {
            return 0.3;
        }
        return code(path) ? 1.0 : 0.6;
    }

    /** The file name without directories and extension, lower case ({@code StringUtils}, {@code adapters}). */
    static String stem(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT);
    }
}
