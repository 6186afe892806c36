package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RepoConfigTest {
    private static String error(String yaml) {
        return assertThrows(AgentException.class, () -> RepoConfig.parse(yaml)).getMessage();
    }

    @Test
    void parsesEveryKey() {
        RepoConfig config = RepoConfig.parse("""
                version: 1
                trigger-label: ai-fix
                paths:
                  allow: ["src/**", "docs/"]
                  deny: ["src/generated/**", "*.pem"]
                check:
                  command: ./mvnw -q test
                  timeout-minutes: 15
                models: [local-coder, gpt-4o]
                """);

        assertEquals("ai-fix", config.triggerLabel());
        assertEquals(List.of("src/**", "docs/"), config.allowPaths());
        assertEquals(List.of("src/generated/**", "*.pem"), config.denyPaths());
        assertEquals(Optional.of("./mvnw -q test"), config.checkCommand());
        assertEquals(Duration.ofMinutes(15), config.checkTimeout());
        assertEquals(List.of("local-coder", "gpt-4o"), config.models());
    }

    @Test
    void emptyOrMissingFileGivesTheDefaults() {
        assertSame(RepoConfig.DEFAULT, RepoConfig.parse(""));
        assertSame(RepoConfig.DEFAULT, RepoConfig.parse("# nothing yet\n"));
        assertEquals("magicode", RepoConfig.DEFAULT.triggerLabel());
        assertTrue(RepoConfig.DEFAULT.checkCommand().isEmpty(), "the check command is off by default");
        assertTrue(RepoConfig.DEFAULT.allowPaths().isEmpty());
        assertTrue(RepoConfig.DEFAULT.models().isEmpty());
    }

    @Test
    void partialFileKeepsOtherDefaults() {
        RepoConfig config = RepoConfig.parse("paths:\n  deny: [secrets/]\n");

        assertEquals("magicode", config.triggerLabel());
        assertEquals(Duration.ofMinutes(10), config.checkTimeout());
        assertTrue(config.pathRefusal("secrets/prod/key.txt").isPresent());
        assertTrue(config.pathRefusal("src/App.java").isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            label: x                                | label: unknown key
            paths: {allow: [a], ignore: [b]}        | paths.ignore: unknown key
            check: {command: make, retries: 2}      | check.retries: unknown key
            trigger-label: 12                       | trigger-label: must be a string, not a number
            trigger-label: ''                       | trigger-label: must not be empty
            paths: [a, b]                           | paths: must be a mapping
            paths: {deny: src/**}                   | paths.deny: must be a list, not a string
            paths: {deny: [a, b, 'c[d']}            | paths.deny[2]: not a valid glob (unclosed '[')
            paths: {deny: [a, '/etc/**']}           | paths.deny[1]: not a valid glob
            paths: {allow: ['src/../x']}            | paths.allow[0]: not a valid glob
            paths: {allow: ['src/a**b']}            | paths.allow[0]: not a valid glob ('**' must be a whole path segment)
            paths: {allow: ['{a,b']}                | paths.allow[0]: not a valid glob (unclosed '{')
            paths: {allow: [7]}                     | paths.allow[0]: must be a string, not a number
            check: {timeout-minutes: 0}             | check.timeout-minutes: must be a whole number from 1 to 60
            check: {timeout-minutes: ten}           | check.timeout-minutes: must be a whole number
            check: {command: true}                  | check.command: must be a string, not true/false
            models: gpt-4o                          | models: must be a list, not a string
            version: 2                              | version: must be 1
            just a string                           | the document: must be a mapping
            """)
    void rejectsBadFilesNamingTheField(String yaml, String expected) {
        String message = error(yaml);

        assertTrue(message.startsWith("`.magicode.yml`: "), message);
        assertTrue(message.contains(expected), message);
    }

    @Test
    void rejectsMalformedYamlWithItsLine() {
        String message = error("trigger-label: a\npaths:\n  deny: [a\n");

        assertTrue(message.contains("not valid YAML"), message);
        assertTrue(message.contains("line "), message);
    }

    @Test
    void rejectsDuplicateKeys() {
        assertTrue(error("trigger-label: a\ntrigger-label: b\n").contains("not valid YAML"));
    }

    @Test
    void rejectsAliasBombs() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            yaml.append(c)
                    .append(": &")
                    .append(c)
                    .append(" [*")
                    .append((char) (c - 1))
                    .append(", *")
                    .append((char) (c - 1))
                    .append(", *")
                    .append((char) (c - 1))
                    .append("]\n");
        }
        assertTrue(error(yaml.toString()).contains("`.magicode.yml`"));
    }

    @Test
    void workflowsAreAlwaysDeniedEvenWhenAllowed() {
        RepoConfig config = RepoConfig.parse("paths:\n  allow: ['**']\n");

        Optional<String> refusal = config.pathRefusal(".github/workflows/ci.yml");
        assertTrue(refusal.isPresent());
        assertTrue(refusal.get().contains(".github/workflows/**"), refusal.get());
        assertTrue(config.pathRefusal(".github/CODEOWNERS").isEmpty());
    }

    @Test
    void allowListLimitsPaths() {
        RepoConfig config = RepoConfig.parse("paths:\n  allow: ['src/**', README.md]\n");

        assertTrue(config.pathRefusal("src/main/App.java").isEmpty());
        assertTrue(config.pathRefusal("README.md").isEmpty());
        assertTrue(config.pathRefusal("docs/README.md").isEmpty(), "a glob without '/' matches at any depth");
        assertTrue(config.pathRefusal("build.gradle").get().contains("paths.allow"));
    }

    @ParameterizedTest
    @CsvSource({
        "src/**, src/a/b/C.java, true",
        "src/**, src, false",
        "src/**, srcx/a, false",
        "src/*.java, src/A.java, true",
        "src/*.java, src/a/A.java, false",
        "**/test/**, a/b/test/x.txt, true",
        "**/test/**, test/x.txt, true",
        "a/**/b.txt, a/b.txt, true",
        "a/**/b.txt, a/x/y/b.txt, true",
        "*.pem, deep/dir/key.pem, true",
        "*.pem, key.pem.txt, false",
        "docs/, docs/a/b.md, true",
        "file?.txt, file1.txt, true",
        "file?.txt, file10.txt, false",
        "'[!a]bc', xbc, true",
        "'[!a]bc', abc, false",
        "'[a-c]x', bx, true",
        "'*.{yml,yaml}', conf/app.yaml, true",
        "'*.{yml,yaml}', conf/app.json, false",
        "a+b(c).txt, a+b(c).txt, true",
        "a.txt, abtxt, false"
    })
    void globsMatchLikeGitignore(String glob, String path, boolean matches) {
        assertEquals(matches, RepoConfig.compile(glob).matcher(path).matches(), glob + " vs " + path);
    }

    @Test
    void jsonSchemaDescribesExactlyTheParsersKeys() throws IOException {
        JsonNode schema;
        try (InputStream in = RepoConfig.class.getResourceAsStream("/agent/magicode-yml.schema.json")) {
            assertNotNull(in, "schema shipped in the jar");
            schema = new ObjectMapper().readTree(in);
        }
        Set<String> keys = new TreeSet<>();
        collect(schema, "", keys);

        assertEquals(new TreeSet<>(RepoConfig.KEYS), keys);
        assertFalse(schema.path("additionalProperties").asBoolean(true), "unknown keys are errors");
        assertEquals(
                RepoConfig.MAX_GLOBS,
                schema.at("/properties/paths/properties/deny/maxItems").asInt());
        assertEquals(
                RepoConfig.MAX_MODELS, schema.at("/properties/models/maxItems").asInt());
        assertEquals(
                RepoConfig.MAX_TIMEOUT_MINUTES,
                schema.at("/properties/check/properties/timeout-minutes/maximum")
                        .asInt());
    }

    private static void collect(JsonNode node, String prefix, Set<String> keys) {
        JsonNode properties = node.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            keys.add(prefix + entry.getKey());
            if (entry.getValue().has("properties")) {
                assertFalse(entry.getValue().path("additionalProperties").asBoolean(true), entry.getKey());
                collect(entry.getValue(), prefix + entry.getKey() + ".", keys);
            }
        }
    }

    @Test
    void docsDescribeEveryKey() throws IOException {
        Path doc = Path.of("..", "docs", "agent-config.md");
        String text = Files.readString(doc);
        for (String key : RepoConfig.KEYS) {
            assertTrue(text.contains("`" + key + "`"), key + " in " + doc);
        }
    }
}
