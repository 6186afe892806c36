package ai.magicode.appliance.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RedactorTest {
    private final Redactor redactor = new Redactor();

    @Test
    void findsAndRemovesEveryListedFormat() {
        for (long seed = 1; seed <= 50; seed++) {
            for (SecretCorpus.Sample sample : new SecretCorpus(seed).oneOfEach()) {
                Redactor.Redaction redaction = redactor.redact("context before\n" + sample.value() + "\nafter");
                assertEquals(
                        Map.of(sample.kind(), 1), redaction.counts(), () -> sample.kind() + " in " + sample.value());
                assertTrue(redaction.text().contains("[REDACTED:" + sample.kind() + "]"));
            }
        }
    }

    @Test
    void everyListedKindHasASample() {
        Set<String> sampled = new SecretCorpus(1)
                .oneOfEach().stream().map(SecretCorpus.Sample::kind).collect(Collectors.toSet());
        assertEquals(Set.copyOf(Redactor.KINDS), sampled);
    }

    @Test
    void leavesOrdinaryCodeAlone() {
        String code = new SecretCorpus(7).filler(200_000);
        assertEquals(Map.of(), redactor.detect(code));
        assertEquals(code, redactor.redact(code).text());
    }

    @Test
    void ignoresLowEntropyValuesNextToKeyWords() {
        assertFalse(redactor.redact("password = \"aaaaaaaaaaaaaaaa\"").found());
        assertFalse(redactor.redact("token: placeholder").found());
    }

    @Test
    void keepsTheUrlAndRedactsOnlyItsPassword() {
        String text = redactor.redact("clone https://bot:hunter2hunter2@git.example.com/repo.git")
                .text();
        assertEquals("clone https://bot:[REDACTED:url-password]@git.example.com/repo.git", text);
    }

    @Test
    void countsSeveralFindings() {
        Redactor.Redaction redaction = redactor.redact("a@example.com b@example.org AKIAIOSFODNN7EXAMPLE");
        assertEquals(Map.of("email", 2, "aws-access-key", 1), redaction.counts());
        assertEquals(3, redaction.total());
    }
}
