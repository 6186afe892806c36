package ai.magicode.appliance.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated samples of every secret format the redactor lists, plus secret-free filler text, for the redaction
 * benchmark and the tests. Deterministic for a seed; nothing here is a real credential.
 */
public final class SecretCorpus {
    /**
     * One planted secret.
     *
     * @param kind the redactor kind that must find it
     * @param value the text planted
     */
    public record Sample(String kind, String value) {}

    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String B64 = ALNUM + "+/";

    private final Random random;

    public SecretCorpus(long seed) {
        this.random = new Random(seed);
    }

    /** One sample of each kind (the {@code keyword-secret} kind in three spellings). */
    public List<Sample> oneOfEach() {
        List<Sample> samples = new ArrayList<>();
        samples.add(new Sample("aws-access-key", "AKIA" + pick(UPPER + "234567", 16)));
        samples.add(new Sample("google-api-key", "AIza" + pick(ALNUM + "_-", 35)));
        samples.add(new Sample("azure-storage-key", "AccountKey=" + pick(B64, 86) + "=="));
        samples.add(new Sample("github-token", "ghp_" + pick(ALNUM, 36)));
        samples.add(new Sample("github-token", "github_pat_" + pick(ALNUM, 22) + "_" + pick(ALNUM, 59)));
        samples.add(new Sample("gitlab-token", "glpat-" + pick(ALNUM, 20)));
        samples.add(new Sample("slack-token", "xoxb-" + pick("0123456789", 12) + "-" + pick(ALNUM, 24)));
        samples.add(new Sample(
                "private-key",
                "-----BEGIN RSA PRIVATE KEY-----\n" + pick(B64, 64) + "\n" + pick(B64, 64)
                        + "\n-----END RSA PRIVATE KEY-----"));
        samples.add(
                new Sample("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI" + pick(ALNUM, 20) + "." + pick(ALNUM + "_-", 43)));
        samples.add(new Sample("url-password", "postgres://app:" + pick(ALNUM, 14) + "@db.internal:5432/app"));
        samples.add(new Sample("keyword-secret", "password = \"" + pick(ALNUM, 20) + "\""));
        samples.add(new Sample("keyword-secret", "API_KEY: " + pick(ALNUM, 32)));
        samples.add(new Sample("keyword-secret", "\"client_secret\": \"" + pick(ALNUM + "-_", 40) + "\""));
        samples.add(new Sample("email", pick("abcdefghijklmnop", 8) + "." + pick("abcdefgh", 5) + "@example.com"));
        return samples;
    }

    /** Secret-free source-like text of about {@code bytes} characters. */
    public String filler(int bytes) {
        String[] lines = {
            "public int add(int a, int b) { return a + b; }\n",
            "for (String line : lines) { total += line.length(); }\n",
            "// TODO: handle the empty case before the loop\n",
            "def parse(path):\n    with open(path) as f:\n        return json.load(f)\n",
            "if (token == null) { throw new IllegalStateException(\"no token\"); }\n",
            "The quick brown fox jumps over the lazy dog at https://example.com/docs.\n",
            "SELECT id, name FROM users WHERE created_at > now() - interval '1 day';\n"
        };
        StringBuilder text = new StringBuilder(bytes + 100);
        while (text.length() < bytes) {
            text.append(lines[random.nextInt(lines.length)]);
        }
        return text.toString();
    }

    private String pick(String alphabet, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
