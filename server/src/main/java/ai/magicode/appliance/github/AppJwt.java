package ai.magicode.appliance.github;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The GitHub App's own credential: an RS256 JWT with {@code iss} = the App id, {@code iat} back-dated a minute
 * against clock skew, and {@code exp} within GitHub's ten-minute limit of {@code iat}.
 */
final class AppJwt {
    static final Duration BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofMinutes(9);

    private AppJwt() {}

    /** A JWT valid from {@code now - 60 s} to {@code now + 9 min} (ten minutes in all, GitHub's maximum). */
    static String create(long appId, RSAPrivateKey key, Instant now) {
        long iat = now.minus(BACKDATE).getEpochSecond();
        long exp = now.plus(LIFETIME).getEpochSecond();
        String header = base64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = base64(("{\"iat\":" + iat + ",\"exp\":" + exp + ",\"iss\":\"" + appId + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        String input = header + "." + claims;
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + base64(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new GitHubException(
                    "Cannot sign the GitHub App JWT: " + e.getClass().getSimpleName());
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
