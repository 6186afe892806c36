package ai.magicode.appliance.agent;

import ai.magicode.appliance.git.GitException;
import ai.magicode.appliance.git.GitRepository;
import ai.magicode.appliance.llm.Redactor;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.source.util.JavacTask;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;

/**
 * The checks a job's changes must pass before anything is committed or pushed: each changed path is allowed by the
 * path policy ({@link RepoConfig#pathRefusal}), still parses (Java, JSON, YAML, XML; other text files must be UTF-8
 * without NUL bytes), and adds no secret (the LLM gateway's {@link Redactor} over the added lines only). A file that
 * already failed to parse at the base commit is not held against the job. Findings never quote a secret.
 */
public final class Validation {
    /** The path is invalid, denied, or outside the allow list. */
    public static final String PATH_POLICY = "path-policy";
    /** A file that should be text is binary or not UTF-8. */
    public static final String ENCODING = "encoding";
    /** A Java, JSON, YAML or XML file no longer parses. */
    public static final String PARSE = "parse";
    /** The change adds a secret. */
    public static final String SECRET = "secret";

    /**
     * One problem that blocks the push.
     *
     * @param path the changed path it concerns
     * @param rule {@link #PATH_POLICY}, {@link #ENCODING}, {@link #PARSE} or {@link #SECRET}
     * @param message what is wrong, for the model and the failure report; never contains a secret value
     */
    public record Finding(String path, String rule, String message) {}

    /** Detector kinds that are not secrets in source code: an e-mail address in an author line is fine. */
    private static final Set<String> NOT_SECRETS = Set.of("email");

    private static final Set<String> XML = Set.of("xml", "xsd", "xsl", "xslt", "svg", "csproj", "fsproj", "vbproj");
    private static final Set<String> TEXT = Set.of(
            "java",
            "kt",
            "kts",
            "scala",
            "groovy",
            "gradle",
            "js",
            "mjs",
            "cjs",
            "ts",
            "tsx",
            "jsx",
            "py",
            "rb",
            "go",
            "rs",
            "c",
            "h",
            "cc",
            "cpp",
            "hpp",
            "cs",
            "php",
            "swift",
            "m",
            "sh",
            "bash",
            "zsh",
            "ps1",
            "sql",
            "md",
            "txt",
            "rst",
            "adoc",
            "html",
            "htm",
            "css",
            "scss",
            "less",
            "vue",
            "properties",
            "toml",
            "ini",
            "cfg",
            "conf",
            "env",
            "json",
            "yml",
            "yaml",
            "xml",
            "xsd",
            "xsl",
            "xslt",
            "svg",
            "csproj",
            "fsproj",
            "vbproj",
            "tf",
            "hcl",
            "proto",
            "graphql",
            "dockerfile",
            "mk",
            "cmake",
            "lua",
            "pl",
            "r",
            "dart",
            "ex",
            "exs",
            "erl",
            "hs",
            "clj",
            "elm",
            "jl",
            "nim",
            "zig",
            "v");

    private static final Redactor REDACTOR = new Redactor();
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS) // tsconfig.json, .vscode/*.json and friends carry comments
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Validation() {}

    /**
     * Checks the changed paths of the work tree at {@code root} against its {@code HEAD} commit (when {@code root} is
     * a Git work tree with a commit; otherwise every line counts as added).
     *
     * @param changedPaths paths relative to {@code root}, deleted ones included
     * @return the findings in the order of {@code changedPaths}; empty when the change may be pushed
     */
    public static List<Finding> check(Path root, List<String> changedPaths, RepoConfig config) {
        if (!Files.exists(root.resolve(".git"))) {
            return check(root, changedPaths, config, path -> Optional.empty());
        }
        try (GitRepository repository = GitRepository.open(root)) {
            String head;
            try {
                head = repository.resolve("HEAD");
            } catch (GitException noCommitYet) {
                return check(root, changedPaths, config, path -> Optional.empty());
            }
            return check(root, changedPaths, config, repository, head);
        }
    }

    /**
     * Checks the changed paths of the work tree at {@code root} against {@code baseCommit} of {@code repository}
     * (the job's workspace, which may be bare).
     */
    public static List<Finding> check(
            Path root, List<String> changedPaths, RepoConfig config, GitRepository repository, String baseCommit) {
        return check(root, changedPaths, config, path -> repository.text(baseCommit, path));
    }

    private static List<Finding> check(
            Path root, List<String> changedPaths, RepoConfig config, Function<String, Optional<String>> base) {
        List<Finding> findings = new ArrayList<>();
        Map<String, String> java = new LinkedHashMap<>();
        for (String changed : changedPaths.stream().distinct().toList()) {
            EditBlocks.CheckedPath checked = EditBlocks.CheckedPath.of(changed);
            if (checked.problem().isPresent()) {
                findings.add(new Finding(changed, PATH_POLICY, checked.problem().get()));
                continue;
            }
            String path = checked.path().orElseThrow();
            Optional<String> refusal = config.pathRefusal(path);
            if (refusal.isPresent()) {
                findings.add(new Finding(path, PATH_POLICY, refusal.get()));
                continue;
            }
            Path file = root.resolve(path);
            if (Files.isSymbolicLink(file)) {
                findings.add(new Finding(path, PATH_POLICY, path + " is a symbolic link; the agent writes only files"));
                continue;
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                continue; // deleted: only the path policy applies
            }
            checkContent(path, file, base, findings, java);
        }
        // Java files are parsed in one compiler task: setting one up costs far more than parsing a file.
        Map<String, String> javaErrors = javaErrors(java);
        for (Map.Entry<String, String> error : javaErrors.entrySet()) {
            Optional<String> before = base.apply(error.getKey());
            boolean brokenBefore = before.isPresent()
                    && !javaErrors(Map.of(error.getKey(), before.get())).isEmpty();
            if (!brokenBefore) {
                findings.add(new Finding(error.getKey(), PARSE, error.getValue()));
            }
        }
        List<String> order = changedPaths.stream()
                .map(changed -> EditBlocks.CheckedPath.of(changed).path().orElse(changed))
                .toList();
        findings.sort(Comparator.comparingInt(finding -> order.indexOf(finding.path())));
        return List.copyOf(findings);
    }

    private static void checkContent(
            String path,
            Path file,
            Function<String, Optional<String>> base,
            List<Finding> findings,
            Map<String, String> java) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AgentException("Cannot read " + path + " to validate it: " + e.getMessage(), e);
        }
        String extension = extension(path);
        Optional<String> text = utf8(bytes);
        if (text.isEmpty()) {
            if (TEXT.contains(extension)) {
                findings.add(new Finding(
                        path,
                        ENCODING,
                        path + " is not UTF-8 text (binary content or another"
                                + " encoding); write it as UTF-8 without NUL bytes"));
            }
            return; // a binary file the job moved: nothing to parse or scan
        }
        Optional<String> before = base.apply(path);
        if (extension.equals("java")) {
            java.put(path, text.get()); // parsed with the others, after this loop
            findings.addAll(secrets(path, text.get(), before.orElse("")));
            return;
        }
        Optional<String> error = parseError(extension, path, text.get());
        if (error.isPresent()
                && !(before.isPresent()
                        && parseError(extension, path, before.get()).isPresent())) {
            findings.add(new Finding(path, PARSE, error.get()));
        }
        findings.addAll(secrets(path, text.get(), before.orElse("")));
    }

    /** The file's text when it is UTF-8 without NUL bytes. */
    private static Optional<String> utf8(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static String extension(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.equals("dockerfile") || name.equals("makefile")) {
            return name.equals("dockerfile") ? "dockerfile" : "mk";
        }
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1);
    }

    /** The first syntax error of a Java, JSON, YAML or XML text, with its line; empty for others or when it parses. */
    static Optional<String> parseError(String extension, String path, String text) {
        if (extension.equals("java")) {
            return Optional.ofNullable(javaErrors(Map.of(path, text)).get(path));
        }
        if (extension.equals("json")) {
            return jsonError(text);
        }
        if (extension.equals("yml") || extension.equals("yaml")) {
            return yamlError(text);
        }
        if (XML.contains(extension)) {
            return xmlError(text);
        }
        return Optional.empty();
    }

    /** The first syntax error of each Java source that has one, by path. */
    private static Map<String, String> javaErrors(Map<String, String> sources) {
        if (sources.isEmpty()) {
            return Map.of();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new AgentException(
                    "This runtime has no Java compiler (module jdk.compiler); Java files cannot be" + " validated");
        }
        Map<JavaFileObject, String> pathOf = new LinkedHashMap<>();
        sources.forEach((path, text) -> pathOf.put(source(path, text), path));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        // Parse only: syntax errors, no classpath, no annotation processing; preview syntax is accepted.
        List<String> options = List.of(
                "-proc:none",
                "--enable-preview",
                "-source",
                Integer.toString(Runtime.version().feature()));
        JavacTask task = (JavacTask)
                javac.getTask(Writer.nullWriter(), null, diagnostics, options, null, List.copyOf(pathOf.keySet()));
        try {
            task.parse();
        } catch (IOException e) {
            throw new AgentException("Cannot parse Java sources: " + e.getMessage(), e);
        }
        Map<String, String> errors = new LinkedHashMap<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String path = d.getSource() == null ? null : pathOf.get(d.getSource());
            if (d.getKind() == Diagnostic.Kind.ERROR && path != null) {
                errors.putIfAbsent(
                        path, "Java syntax error at line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
            }
        }
        return errors;
    }

    private static JavaFileObject source(String path, String text) {
        try {
            return new SimpleJavaFileObject(new URI("string", null, "/" + path, null), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return text;
                }
            };
        } catch (URISyntaxException e) {
            throw new AgentException("Cannot name " + path + " for the Java parser", e);
        }
    }

    private static Optional<String> jsonError(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || node.isMissingNode()) {
                return Optional.of("JSON error: the file is empty");
            }
            return Optional.empty();
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String line = at == null ? "" : " at line " + at.getLineNr();
            return Optional.of("JSON error" + line + ": " + e.getOriginalMessage());
        }
    }

    private static Optional<String> yamlError(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Math.max(3 * 1024 * 1024, text.length() + 1));
        try {
            // Events only: syntax is checked without constructing objects, so custom tags (!Ref, !!python/...) are
            // neither refused nor run.
            for (Event ignored : new Yaml(options).parse(new StringReader(text))) {
                // consume the stream
            }
            return Optional.empty();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark();
            String line = mark == null ? "" : " at line " + (mark.getLine() + 1);
            return Optional.of("YAML error" + line + ": " + e.getProblem());
        } catch (YAMLException e) {
            return Optional.of("YAML error: " + e.getMessage());
        }
    }

    private static Optional<String> xmlError(String text) {
        try {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            // Never read anything outside the text: no external entities, no external DTDs.
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            var parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            parser.parse(new InputSource(new StringReader(text)), new DefaultHandler());
            return Optional.empty();
        } catch (SAXParseException e) {
            return Optional.of("XML error at line " + e.getLineNumber() + ": " + e.getMessage());
        } catch (SAXException e) {
            return Optional.of("XML error: " + e.getMessage());
        } catch (ParserConfigurationException | IOException e) {
            throw new AgentException("Cannot set up the XML parser: " + e.getMessage(), e);
        }
    }

    /**
     * Secrets in the lines of {@code text} that {@code before} did not have. Consecutive added lines are scanned
     * together, so a key spread over lines (a PEM block) is found.
     */
    private static List<Finding> secrets(String path, String text, String before) {
        Map<String, Integer> old = new HashMap<>();
        for (String line : before.split("\r?\n", -1)) {
            old.merge(line, 1, Integer::sum);
        }
        String[] lines = text.split("\r?\n", -1);
        List<Finding> findings = new ArrayList<>();
        int runStart = -1;
        StringBuilder run = new StringBuilder();
        for (int i = 0; i <= lines.length; i++) {
            boolean added = i < lines.length && old.merge(lines[i], -1, Integer::sum) < 0;
            if (added) {
                if (runStart < 0) {
                    runStart = i;
                }
                run.append(lines[i]).append('\n');
            } else if (runStart >= 0) {
                int firstLine = runStart + 1;
                REDACTOR.detect(run.toString()).forEach((kind, count) -> {
                    if (!NOT_SECRETS.contains(kind)) {
                        findings.add(new Finding(
                                path,
                                SECRET,
                                "adds " + (count == 1 ? "a " : count + " × ") + kind + " in the lines from "
                                        + firstLine + "; remove it (secrets belong in the vault or the CI's secret"
                                        + " store, never in the repository)"));
                    }
                });
                runStart = -1;
                run.setLength(0);
            }
        }
        return findings;
    }
}
