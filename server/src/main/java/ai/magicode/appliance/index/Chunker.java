package ai.magicode.appliance.index;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a source file into syntax units without a parser: an indentation scanner for Python and a brace scanner
 * (aware of strings and comments) for Java, JavaScript/TypeScript and Go. Lines outside any unit, and files in other
 * languages, become windows of {@value #WINDOW_LINES} lines.
 */
final class Chunker {
    static final int WINDOW_LINES = 60;

    private static final Pattern PY_DEF = Pattern.compile("^(\\s*)(?:async\\s+)?(def|class)\\s+([A-Za-z_]\\w*)");
    private static final Pattern TYPE_DECL = Pattern.compile(
            "\\b(class|interface|enum|record|struct|trait|impl|object|namespace|module)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern GO_TYPE = Pattern.compile("^type\\s+([A-Za-z_]\\w*)\\s+(struct|interface)\\b");
    private static final Pattern GO_FUNC =
            Pattern.compile("^func\\s*(?:\\(([^)]*)\\)\\s*)?([A-Za-z_]\\w*)\\s*(?:\\[[^\\]]*\\])?\\s*\\(");
    private static final Pattern CALLABLE_NAME = Pattern.compile("([A-Za-z_$][\\w$]*)\\s*(?:<[^()]*>)?\\s*\\($");
    private static final Pattern ASSIGNED_NAME = Pattern.compile(
            "([A-Za-z_$][\\w$]*)\\s*(?::[^=]*)?=\\s*(?:async\\s+)?(?:function\\b|\\(|[A-Za-z_$][\\w$]*\\s*=>)");
    private static final Pattern DECLARATION_START = Pattern.compile(
            "^\\s*(export|function|class|const|let|var|async|import|type|interface|public|private|protected|static"
                    + "|abstract|final|def|enum|@)\\b");
    private static final Set<String> NOT_FUNCTIONS = Set.of(
            "if",
            "for",
            "while",
            "switch",
            "catch",
            "synchronized",
            "try",
            "else",
            "do",
            "return",
            "new",
            "with",
            "function",
            "finally",
            "throw",
            "case",
            "foreach",
            "elif",
            "select",
            "go",
            "defer",
            "await",
            "typeof");

    private Chunker() {}

    static Language language(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        String ext = dot < 0 ? "" : lower.substring(dot + 1);
        return switch (ext) {
            case "py", "pyi" -> Language.PYTHON;
            case "java" -> Language.JAVA;
            case "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts" -> Language.JAVASCRIPT;
            case "go" -> Language.GO;
            case "c", "h", "cc", "cpp", "hpp", "cs", "kt", "scala", "rs", "swift", "php", "groovy" -> Language.C_LIKE;
            default -> Language.TEXT;
        };
    }

    enum Language {
        PYTHON,
        JAVA,
        JAVASCRIPT,
        GO,
        C_LIKE,
        TEXT
    }

    static List<Chunk> chunk(String path, String text) {
        String[] lines = text.split("\r?\n", -1);
        List<Chunk> units = switch (language(path)) {
            case PYTHON -> python(lines);
            case JAVA, JAVASCRIPT, GO, C_LIKE -> braces(lines, language(path) == Language.GO);
            case TEXT -> List.of();
        };
        BitSet covered = new BitSet(lines.length + 1);
        for (Chunk unit : units) {
            covered.set(unit.startLine(), unit.endLine() + 1);
        }
        List<Chunk> chunks = new ArrayList<>(units);
        int line = 1;
        while (line <= lines.length) {
            if (covered.get(line) || lines[line - 1].isBlank()) {
                line++;
                continue;
            }
            int start = line;
            int end = start;
            while (line <= lines.length && !covered.get(line) && line - start < WINDOW_LINES) {
                if (!lines[line - 1].isBlank()) {
                    end = line;
                }
                line++;
            }
            chunks.add(new Chunk(Chunk.Kind.WINDOW, "", List.of(), "", start, end, slice(lines, start, end)));
        }
        chunks.sort((a, b) -> Integer.compare(a.startLine(), b.startLine()));
        return chunks;
    }

    private static List<Chunk> python(String[] lines) {
        record Def(int line, int indent, String kind, String name) {}
        List<Def> defs = new ArrayList<>();
        boolean inString = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            int quotes = count(l, "\"\"\"") + count(l, "'''");
            if (!inString) {
                Matcher m = PY_DEF.matcher(l);
                if (m.find()) {
                    defs.add(new Def(i + 1, m.group(1).replace("\t", "    ").length(), m.group(2), m.group(3)));
                }
            }
            if (quotes % 2 == 1) {
                inString = !inString;
            }
        }
        int[] starts = new int[defs.size()];
        for (int d = 0; d < defs.size(); d++) {
            starts[d] = documentedStart(lines, defs.get(d).line(), true);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int d = 0; d < defs.size(); d++) {
            Def def = defs.get(d);
            int sigEnd = def.line();
            while (sigEnd < lines.length
                    && sigEnd - def.line() < 30
                    && !lines[sigEnd - 1].replaceAll("#.*$", "").trim().endsWith(":")) {
                sigEnd++;
            }
            int end = sigEnd;
            for (int i = sigEnd; i < lines.length; i++) { // i is the 0-based index of the line after sigEnd
                if (lines[i].isBlank()) {
                    continue;
                }
                if (indentOf(lines[i]) <= def.indent()) {
                    break;
                }
                end = i + 1;
            }
            // The class chunk holds its header up to its first nested def; methods are their own chunks.
            int unitEnd = end;
            if (def.kind().equals("class")) {
                for (int n = d + 1; n < defs.size() && defs.get(n).line() <= end; n++) {
                    if (defs.get(n).indent() > def.indent()) {
                        unitEnd = Math.max(def.line(), starts[n] - 1);
                        break;
                    }
                }
            }
            List<String> enclosing = new ArrayList<>();
            for (int p = d - 1, want = def.indent(); p >= 0 && want > 0; p--) {
                Def outer = defs.get(p);
                if (outer.indent() < want) {
                    enclosing.addFirst(outer.name());
                    want = outer.indent();
                }
            }
            String signature = signature(lines, def.line());
            chunks.add(new Chunk(
                    def.kind().equals("class") ? Chunk.Kind.TYPE : Chunk.Kind.FUNCTION,
                    def.name(),
                    List.copyOf(enclosing),
                    signature,
                    starts[d],
                    unitEnd,
                    slice(lines, starts[d], unitEnd)));
        }
        return chunks;
    }

    /**
     * The first line of what directly documents the unit declared at {@code line}: the doc comments, line comments,
     * annotations and decorators (multi-line ones included) right above it, with no blank line in between. They
     * belong to the unit they describe, not to a window of their own. In Python a {@code #} comment or decorator
     * counts only at the declaration's own indentation, so the end of the previous body is never taken.
     */
    static int documentedStart(String[] lines, int line, boolean python) {
        int indent = indentOf(lines[line - 1]);
        int start = line;
        while (start > 1) {
            String above = lines[start - 2].trim();
            boolean sameIndent = indentOf(lines[start - 2]) == indent;
            if (above.isEmpty()) {
                break;
            }
            if (python ? sameIndent && (above.startsWith("#") || above.startsWith("@")) : lineComment(above)) {
                start--;
                continue;
            }
            if (!python && above.endsWith("*/")) {
                int open = start - 1;
                while (open > 1 && !lines[open - 1].contains("/*") && start - open < MAX_LEADING_LINES) {
                    open--;
                }
                if (lines[open - 1].trim().startsWith("/*")) {
                    start = open;
                    continue;
                }
                break;
            }
            int decorator = multiLineDecorator(lines, start - 1, indent);
            if (decorator < 0) {
                break;
            }
            start = decorator;
        }
        return start;
    }

    private static final int MAX_LEADING_LINES = 200;

    /** A line comment, an annotation, or a block comment that closes on its own line. */
    private static boolean lineComment(String trimmed) {
        return trimmed.startsWith("//")
                || trimmed.startsWith("@")
                || (trimmed.startsWith("/*") && trimmed.indexOf("*/", 2) >= 0);
    }

    /**
     * The line of a decorator or annotation whose arguments span the lines up to {@code last} (deeper indented, or
     * closing brackets at its own indentation), or -1 when {@code last} does not end one.
     */
    private static int multiLineDecorator(String[] lines, int last, int indent) {
        for (int l = last; l >= 1 && last - l < 30; l--) {
            String text = lines[l - 1];
            String trimmed = text.trim();
            if (trimmed.isEmpty()) {
                return -1;
            }
            int at = indentOf(text);
            if (at == indent && trimmed.startsWith("@")) {
                return l;
            }
            boolean closing = !trimmed.isEmpty() && ")]}".indexOf(trimmed.charAt(0)) >= 0;
            if (at < indent || (at == indent && !closing)) {
                return -1;
            }
        }
        return -1;
    }

    private static String signature(String[] lines, int line) {
        StringBuilder s = new StringBuilder();
        for (int i = line - 1; i < lines.length && i < line + 8; i++) {
            s.append(lines[i].trim()).append(' ');
            String t = lines[i].trim();
            if (t.endsWith(":") || t.endsWith("{") || t.endsWith(";")) {
                break;
            }
        }
        String sig = s.toString().trim();
        if (sig.endsWith("{")) {
            sig = sig.substring(0, sig.length() - 1).trim();
        }
        return sig.length() > 300 ? sig.substring(0, 300) : sig;
    }

    /** A brace scanner: strings, chars and comments are skipped; each block opened after a unit header is a unit. */
    private static List<Chunk> braces(String[] lines, boolean go) {
        List<Chunk> chunks = new ArrayList<>();
        List<Frame> stack = new ArrayList<>();
        StringBuilder header = new StringBuilder();
        int headerStart = -1;
        boolean blockComment = false;
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            int n = l.length();
            for (int c = 0; c < n; c++) {
                char ch = l.charAt(c);
                if (blockComment) {
                    if (ch == '*' && c + 1 < n && l.charAt(c + 1) == '/') {
                        blockComment = false;
                        c++;
                    }
                    continue;
                }
                if (ch == '/' && c + 1 < n && l.charAt(c + 1) == '/') {
                    break;
                }
                if (ch == '/' && c + 1 < n && l.charAt(c + 1) == '*') {
                    blockComment = true;
                    c++;
                    continue;
                }
                if (ch == '"' || ch == '\'' || ch == '`') {
                    int close = c + 1;
                    while (close < n && l.charAt(close) != ch) {
                        close += l.charAt(close) == '\\' ? 2 : 1;
                    }
                    header.append(ch).append(ch);
                    c = Math.min(close, n);
                    continue;
                }
                if (ch == '{') {
                    String h = header.toString().trim();
                    Frame frame = classify(h, headerStart < 0 ? i + 1 : headerStart, go);
                    stack.add(frame);
                    header.setLength(0);
                    headerStart = -1;
                } else if (ch == '}') {
                    if (!stack.isEmpty()) {
                        Frame frame = stack.removeLast();
                        if (frame.kind() != null) {
                            List<String> enclosing = stack.stream()
                                    .filter(f -> f.kind() != null)
                                    .map(Frame::name)
                                    .toList();
                            chunks.add(new Chunk(
                                    frame.kind(),
                                    frame.name(),
                                    enclosing,
                                    frame.signature(),
                                    documentedStart(lines, frame.startLine(), false),
                                    i + 1,
                                    ""));
                        }
                    }
                    header.setLength(0);
                    headerStart = -1;
                } else if (ch == ';') {
                    header.setLength(0);
                    headerStart = -1;
                } else {
                    if (headerStart < 0 && !Character.isWhitespace(ch)) {
                        headerStart = i + 1;
                    }
                    header.append(ch);
                }
            }
            header.append(' ');
            // Go and semicolon-free JavaScript end statements at line ends: a declaration starts a new header.
            if (go
                    || (i + 1 < lines.length
                            && DECLARATION_START.matcher(lines[i + 1]).find()
                            && !header.toString().trim().startsWith("@"))) {
                header.setLength(0);
                headerStart = -1;
            }
        }
        // Types keep only their header (up to the first member unit); members are their own chunks.
        List<Chunk> result = new ArrayList<>();
        for (Chunk chunk : chunks) {
            int end = chunk.endLine();
            if (chunk.kind() == Chunk.Kind.TYPE) {
                for (Chunk member : chunks) {
                    if (member != chunk
                            && member.startLine() > chunk.startLine()
                            && member.endLine() <= chunk.endLine()
                            && member.startLine() - 1 < end) {
                        end = Math.max(chunk.startLine(), member.startLine() - 1);
                    }
                }
            }
            result.add(new Chunk(
                    chunk.kind(),
                    chunk.name(),
                    chunk.enclosing(),
                    chunk.signature(),
                    chunk.startLine(),
                    end,
                    slice(lines, chunk.startLine(), end)));
        }
        // Function bodies nested in functions (lambdas, local classes) stay inside their outer function's chunk.
        result.removeIf(inner -> inner.kind() == Chunk.Kind.FUNCTION
                && result.stream()
                        .anyMatch(outer -> outer != inner
                                && outer.kind() == Chunk.Kind.FUNCTION
                                && outer.startLine() <= inner.startLine()
                                && outer.endLine() >= inner.endLine()
                                && (outer.startLine() < inner.startLine() || outer.endLine() > inner.endLine())));
        return result;
    }

    /** An open block: a unit when {@code kind} is set, else a plain block (if, loop, initializer…). */
    private record Frame(Chunk.Kind kind, String name, String signature, int startLine) {}

    private static final Pattern ANNOTATION = Pattern.compile("@[\\w.]+(?:\\([^()]*\\))?\\s*");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][\\w$]*");

    static Frame classify(String rawHeader, int startLine, boolean go) {
        String header = ANNOTATION
                .matcher(rawHeader)
                .replaceAll("")
                .replaceAll("\\s+", " ")
                .trim();
        String signature = header.length() > 300 ? header.substring(0, 300) : header;
        if (header.isEmpty() || header.endsWith("->") || header.endsWith("=")) {
            return new Frame(null, "", "", startLine);
        }
        if (go) {
            Matcher type = GO_TYPE.matcher(header);
            if (type.find()) {
                return new Frame(Chunk.Kind.TYPE, type.group(1), signature, startLine);
            }
            Matcher func = GO_FUNC.matcher(header);
            if (func.find()) {
                String receiver = func.group(1) == null ? "" : func.group(1).trim();
                String name = func.group(2);
                if (!receiver.isEmpty()) {
                    Matcher t = IDENTIFIER.matcher(receiver.replace("*", " "));
                    String last = null;
                    while (t.find()) {
                        last = t.group();
                    }
                    if (last != null) {
                        name = last + "." + name;
                    }
                }
                return new Frame(Chunk.Kind.FUNCTION, name, signature, startLine);
            }
            return new Frame(null, "", "", startLine);
        }
        int paren = header.indexOf('(');
        Matcher type = TYPE_DECL.matcher(header);
        if (type.find()
                && (paren < 0 || type.start() < paren)
                && (type.start() == 0 || header.charAt(type.start() - 1) != '.')) {
            return new Frame(Chunk.Kind.TYPE, type.group(2), signature, startLine);
        }
        Matcher assigned = ASSIGNED_NAME.matcher(header);
        if (assigned.find() && (paren < 0 || assigned.start() < paren)) {
            return new Frame(Chunk.Kind.FUNCTION, assigned.group(1), signature, startLine);
        }
        if (paren <= 0 || header.substring(0, paren).contains("=")) {
            return new Frame(null, "", "", startLine);
        }
        Matcher name = CALLABLE_NAME.matcher(header.substring(0, paren + 1));
        if (!name.find()) {
            return new Frame(null, "", "", startLine);
        }
        String before = header.substring(0, name.start()).trim();
        String first = header.split("[\\s(]", 2)[0];
        if (NOT_FUNCTIONS.contains(name.group(1))
                || NOT_FUNCTIONS.contains(first)
                || before.endsWith("new")
                || before.endsWith(".")) {
            return new Frame(null, "", "", startLine);
        }
        return new Frame(Chunk.Kind.FUNCTION, name.group(1), signature, startLine);
    }

    private static int indentOf(String line) {
        int n = 0;
        for (char c : line.toCharArray()) {
            if (c == ' ') {
                n++;
            } else if (c == '\t') {
                n += 4;
            } else {
                break;
            }
        }
        return n;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    static String slice(String[] lines, int start, int end) {
        StringBuilder s = new StringBuilder();
        for (int i = start; i <= end && i <= lines.length; i++) {
            s.append(lines[i - 1]).append('\n');
        }
        return s.toString();
    }
}
