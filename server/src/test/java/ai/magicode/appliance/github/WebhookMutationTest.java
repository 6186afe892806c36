package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of the signature check and the parser (see {@link WebhookMutations}): no exception but the
 * parser's {@link WebhookException}, and no signature accepted but the right one. The seed is fixed so that a
 * failure reproduces; {@code -Dmagicode.fuzz.seed=N -Dmagicode.fuzz.rounds=N} explores further.
 */
class WebhookMutationTest {
    private static final long SEED = Long.getLong("magicode.fuzz.seed", 20261129L);
    private static final int ROUNDS = Integer.getInteger("magicode.fuzz.rounds", 2_000);
    private static final byte[] SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);

    @Test
    void parserReadsOrRefusesEveryMutatedExampleWithWebhookException() {
        List<WebhookExamples.Example> examples = WebhookExamples.all();
        WebhookMutations mutations = new WebhookMutations(SEED);
        EventParser parser = new EventParser(25L << 20);
        Random random = new Random(SEED);
        int parsed = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            WebhookExamples.Example example = examples.get(random.nextInt(examples.size()));
            byte[] body = mutations.mutate(example.body());
            try {
                GitHubEvent event = parser.parse(example.event(), body);
                assertEquals(example.event(), event.type());
                parsed++;
            } catch (WebhookException e) {
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("round " + round + " of seed " + SEED + " (" + example + "): " + e, e);
            }
        }
        // Both paths were exercised, so the mutations are neither all harmless nor all fatal.
        assertTrue(parsed > ROUNDS / 4, "parsed " + parsed);
        assertTrue(refused > ROUNDS / 20, "refused " + refused);
    }

    @Test
    void envelopeBeforeTheAckAgreesWithTheFullParseOnEveryExampleAndMutation() {
        List<WebhookExamples.Example> examples = WebhookExamples.all();
        WebhookMutations mutations = new WebhookMutations(SEED);
        EventParser parser = new EventParser(25L << 20);
        Random random = new Random(SEED);
        int refused = 0;
        for (int round = 0; round < examples.size() + ROUNDS; round++) {
            WebhookExamples.Example example =
                    round < examples.size() ? examples.get(round) : examples.get(random.nextInt(examples.size()));
            byte[] body = round < examples.size() ? example.body() : mutations.mutate(example.body());
            String full;
            try {
                full = parser.parse(example.event(), body).context().toString();
            } catch (WebhookException e) {
                full = "refused";
            }
            String envelope;
            try {
                envelope = parser.envelope(body).toString();
            } catch (WebhookException e) {
                envelope = "refused";
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("round " + round + " of seed " + SEED + " (" + example + "): " + e, e);
            }
            assertEquals(full, envelope, "round " + round + " of seed " + SEED + " (" + example + ")");
        }
        assertTrue(refused > ROUNDS / 20, "refused " + refused);
    }

    @Test
    void signatureCheckAcceptsOnlyTheExactMacOfTheExactBody() {
        WebhookMutations mutations = new WebhookMutations(SEED);
        Random random = new Random(SEED);
        byte[] body = WebhookExamples.all().getFirst().body();
        String good = WebhookSignature.sign(SECRET, body);
        assertTrue(WebhookSignature.verify(SECRET, body, good));
        for (int round = 0; round < ROUNDS; round++) {
            byte[] header = mutations.mutate(good.getBytes(StandardCharsets.UTF_8));
            String mutated = new String(header, StandardCharsets.ISO_8859_1);
            byte[] otherBody = random.nextBoolean() ? body : mutations.mutate(body);
            boolean valid = WebhookSignature.verify(SECRET, otherBody, mutated);
            // GitHub's prefix is lower case; the hex digits may be either case.
            boolean same = mutated.startsWith("sha256=")
                    && mutated.equalsIgnoreCase(good)
                    && java.util.Arrays.equals(otherBody, body);
            assertEquals(same, valid, "round " + round + ": " + mutated);
        }
        assertFalse(WebhookSignature.verify(SECRET, body, good.replace("sha256=", "sha512=")));
    }
}
