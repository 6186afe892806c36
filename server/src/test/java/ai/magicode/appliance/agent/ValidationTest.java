package ai.magicode.appliance.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.agent.Validation.Finding;
import ai.magicode.appliance.git.GitFixture;
import ai.magicode.appliance.git.GitRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTest {
    // Built from parts so that no complete secret sits in this file (the repository's own scanners stay quiet).
    private static final String AWS_KEY = "AKIA" + "Z7Q4XW2MPLK9RT3B";
    private static final String PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\n"
            + "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Rlh7bqKkRVkZ8xQKhXzj5TvhX5Q\n"
            + "v2n1cXy8Jx0y0E6qGf7S6Q1R3yWk8xL6lG5bqQ9mZ0m1qv3y9mH2c8g4A7d6e5f4\n"
            + "-----END " + "RSA PRIVATE KEY-----";

    @TempDir
    Path root;

    private Path write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    private static List<Finding> check(Path root, String... paths) {
        return Validation.check(root, List.of(paths), RepoConfig.DEFAULT);
    }

    private static Finding only(List<Finding> findings) {
        assertEquals(1, findings.size(), findings::toString);
        return findings.getFirst();
    }

    @Test
    void cleanChangesPass() throws IOException {
        write("src/A.java", "package a;\n\nrecord A(int x) {\n    int twice() { return x * 2; }\n}\n");
        write("conf/app.json", "{\"a\": [1, 2, {\"b\": null}]}\n");
        write("tsconfig.json", "{\n  // comments are common here\n  \"strict\": true\n}\n");
        write("deploy/values.yaml", "a: 1\n---\nb: !Ref Other\n");
        write("pom.xml", "<?xml version=\"1.0\"?>\n<project><a x=\"1\"/></project>\n");
        write("README.md", "# Hi\n\nContact: dev@example.com\n");

        assertEquals(
                List.of(),
                check(
                        root,
                        "src/A.java",
                        "conf/app.json",
                        "tsconfig.json",
                        "deploy/values.yaml",
                        "pom.xml",
                        "README.md"));
    }

    @Test
    void brokenJavaIsReportedWithItsLine() throws IOException {
        write("src/A.java", "package a;\n\nclass A {\n    void f() {\n        int x = ;\n    }\n}\n");

        Finding finding = only(check(root, "src/A.java"));

        assertEquals(Validation.PARSE, finding.rule());
        assertTrue(finding.message().startsWith("Java syntax error at line 5: "), finding.message());
    }

    @Test
    void eachBrokenJavaFileOfAChangeIsNamed() throws IOException {
        write("a/A.java", "class A {}\n");
        write("b/B.java", "class B {\n  void f( {}\n}\n");
        write("c/C.java", "class C {}\n");
        write("d/D.java", "class D {\n\n  int x = 1\n}\n");

        List<Finding> findings = check(root, "a/A.java", "b/B.java", "c/C.java", "d/D.java");

        assertEquals(
                List.of("b/B.java", "d/D.java"),
                findings.stream().map(Finding::path).toList());
        assertTrue(findings.get(0).message().contains("line 2"), findings.get(0).message());
        assertTrue(findings.get(1).message().contains("line 3"), findings.get(1).message());
    }

    @Test
    void javaParsingIsSyntaxOnly() throws IOException {
        write("src/A.java", "package a;\nimport does.not.Exist;\nclass A extends Missing { Unknown u; }\n");

        assertEquals(List.of(), check(root, "src/A.java"), "unresolved names are not syntax errors");
    }

    @Test
    void brokenJsonYamlAndXmlAreReportedWithTheirLines() throws IOException {
        write("a.json", "{\n  \"a\": 1,\n  \"b\": \n}\n");
        write("b.json", "{\"a\": 1} {\"b\": 2}\n");
        write("c.yml", "a:\n  - 1\n  b: 2\n");
        write("d.xml", "<a>\n  <b>\n</a>\n");
        write("e.json", "");

        List<Finding> findings = check(root, "a.json", "b.json", "c.yml", "d.xml", "e.json");

        assertEquals(5, findings.size(), findings::toString);
        assertTrue(findings.stream().allMatch(f -> f.rule().equals(Validation.PARSE)), findings::toString);
        assertTrue(
                findings.get(0).message().startsWith("JSON error at line 4"),
                findings.get(0).message());
        assertTrue(
                findings.get(1).message().startsWith("JSON error"),
                findings.get(1).message());
        assertTrue(
                findings.get(2).message().startsWith("YAML error at line 3"),
                findings.get(2).message());
        assertTrue(
                findings.get(3).message().startsWith("XML error at line 3"),
                findings.get(3).message());
        assertTrue(findings.get(4).message().contains("empty"), findings.get(4).message());
    }

    @Test
    void xmlExternalEntitiesAreNeverRead(@TempDir Path outside) throws IOException {
        // Read, this file would break the document; not read, the document is fine.
        Path secret = Files.writeString(outside.resolve("secret.txt"), "<unclosed top-secret-content");
        write(
                "x.xml",
                "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e SYSTEM \"" + secret.toUri() + "\">]>\n<a>&e;</a>\n");

        assertEquals(List.of(), check(root, "x.xml"));
    }

    @Test
    void binaryAndNonUtf8TextFilesAreReported() throws IOException {
        Files.write(root.resolve("A.java"), "class A {}\u0000".getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("notes.txt"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(root.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});

        List<Finding> findings = check(root, "A.java", "notes.txt", "logo.png");

        assertEquals(
                List.of("A.java", "notes.txt"),
                findings.stream().map(Finding::path).toList());
        assertTrue(findings.stream().allMatch(f -> f.rule().equals(Validation.ENCODING)));
    }

    @Test
    void workflowEditsAreDeniedEvenWhenDeletedOrAllowed() throws IOException {
        write(".github/workflows/ci.yml", "on: push\n");
        RepoConfig allowAll = RepoConfig.parse("paths:\n  allow: ['**']\n");

        List<Finding> findings =
                Validation.check(root, List.of(".github/workflows/ci.yml", "./.github/workflows/gone.yml"), allowAll);

        assertEquals(2, findings.size(), findings::toString);
        assertTrue(findings.stream().allMatch(f -> f.rule().equals(Validation.PATH_POLICY)));
        assertEquals(".github/workflows/gone.yml", findings.get(1).path(), "matched in normal form");
    }

    @Test
    void repositoryDenyAndAllowGlobsApply() throws IOException {
        write("src/gen/X.java", "class X {}\n");
        write("src/A.java", "class A {}\n");
        write("build.gradle", "apply plugin: 'java'\n");
        RepoConfig config = RepoConfig.parse("paths:\n  allow: ['src/**']\n  deny: ['src/gen/**']\n");

        List<Finding> findings =
                Validation.check(root, List.of("src/gen/X.java", "src/A.java", "build.gradle"), config);

        assertEquals(
                List.of("src/gen/X.java", "build.gradle"),
                findings.stream().map(Finding::path).toList());
        assertTrue(findings.get(0).message().contains("paths.deny"));
        assertTrue(findings.get(1).message().contains("paths.allow"));
    }

    @Test
    void hostilePathsAreFindings() {
        List<Finding> findings = check(root, "../etc/passwd", "/etc/passwd", ".git/config");

        assertEquals(3, findings.size(), findings::toString);
        assertTrue(findings.stream().allMatch(f -> f.rule().equals(Validation.PATH_POLICY)));
    }

    @Test
    void symlinkIsAFinding(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("x.txt"), "x");
        Files.createSymbolicLink(root.resolve("link.txt"), outside.resolve("x.txt"));

        assertEquals(Validation.PATH_POLICY, only(check(root, "link.txt")).rule());
    }

    @Test
    void anAddedAwsKeyIsFoundWithoutItsValue() throws IOException {
        try (GitFixture base = GitFixture.create(root, false)) {
            base.file("src/Config.java", "class Config {\n}\n").commit("base");
        }
        write("src/Config.java", "class Config {\n    String key = \"" + AWS_KEY + "\";\n}\n");

        Finding finding = only(check(root, "src/Config.java"));

        assertEquals(Validation.SECRET, finding.rule());
        assertTrue(finding.message().contains("aws-access-key"), finding.message());
        assertTrue(finding.message().contains("from 2"), finding.message());
        assertFalse(finding.toString().contains(AWS_KEY), "the key itself is never quoted");
    }

    @Test
    void aKeyThatWasAlreadyThereIsNotHeldAgainstTheJob() throws IOException {
        String before = "class Config {\n    String key = \"" + AWS_KEY + "\";\n}\n";
        try (GitFixture base = GitFixture.create(root, false)) {
            base.file("src/Config.java", before).commit("base");
        }
        write("src/Config.java", before.replace("class Config {", "final class Config {"));

        assertEquals(List.of(), check(root, "src/Config.java"));
    }

    @Test
    void anAddedPrivateKeyOverManyLinesIsFound() throws IOException {
        try (GitFixture base = GitFixture.create(root, false)) {
            base.file("deploy/notes.md", "# Deploy\n").commit("base");
        }
        write("deploy/notes.md", "# Deploy\n\n" + PRIVATE_KEY + "\n");

        Finding finding = only(check(root, "deploy/notes.md"));

        assertTrue(finding.message().contains("private-key"), finding.message());
        assertFalse(finding.message().contains("MIIE"));
    }

    @Test
    void aSecretInANewFileIsFoundWithoutAnyGitBase() throws IOException {
        write("new.env", "AWS_ACCESS_KEY_ID=" + AWS_KEY + "\n");

        assertEquals(Validation.SECRET, only(check(root, "new.env")).rule());
    }

    @Test
    void aBareWorkspaceAndBaseCommitCanBeGiven(@TempDir Path bare) throws IOException {
        String commit;
        String before = "k = \"" + AWS_KEY + "\"\n";
        try (GitFixture base = GitFixture.create(bare, true)) {
            commit = base.file("a.py", before).commit("base");
        }
        write("a.py", before + "print(1)\n");
        write("b.py", before);

        try (GitRepository repository = GitRepository.open(bare)) {
            List<Finding> findings =
                    Validation.check(root, List.of("a.py", "b.py"), RepoConfig.DEFAULT, repository, commit);

            assertEquals(List.of("b.py"), findings.stream().map(Finding::path).toList());
        }
    }

    @Test
    void aFileThatWasAlreadyBrokenAtTheBaseIsNotHeldAgainstTheJob() throws IOException {
        String broken = "{\"a\": 1,,}\n";
        try (GitFixture base = GitFixture.create(root, false)) {
            base.file("legacy.json", broken).file("ok.json", "{}\n").commit("base");
        }
        write("legacy.json", broken + "\n");
        write("ok.json", "{,}\n");

        List<Finding> findings = check(root, "legacy.json", "ok.json");

        assertEquals(List.of("ok.json"), findings.stream().map(Finding::path).toList());
    }

    @Test
    void deletedFilesOnlyMeetThePathPolicy() {
        assertEquals(List.of(), check(root, "src/Gone.java"));
    }
}
