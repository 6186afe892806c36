package ai.magicode.appliance.github;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.magicode.appliance.secrets.RsaKeys;
import ai.magicode.appliance.secrets.SecretsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AppJwtTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AppKeys keys = AppKeys.shared();

    @Test
    void signsRs256WithAppIdIssuerAndBackdatedTenMinuteWindow() throws Exception {
        Instant now = Instant.parse("2026-11-29T12:00:00Z");
        RSAPrivateKey key = RsaKeys.parse("key", keys.pkcs1());
        String jwt = AppJwt.create(123456, key, now);
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length);
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertEquals("RS256", header.path("alg").asText());
        assertEquals("123456", claims.path("iss").asText());
        assertEquals(now.getEpochSecond() - 60, claims.path("iat").asLong());
        assertTrue(claims.path("exp").asLong() - claims.path("iat").asLong() <= 600);
        assertTrue(claims.path("exp").asLong() > now.getEpochSecond());
        Signature verify = Signature.getInstance("SHA256withRSA");
        verify.initVerify(keys.pair().getPublic());
        verify.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertTrue(verify.verify(Base64.getUrlDecoder().decode(parts[2])));
    }

    @Test
    void readsPkcs1AndPkcs8KeysAsTheSameKey() {
        RSAPrivateKey pkcs1 = RsaKeys.parse("key", keys.pkcs1());
        RSAPrivateKey pkcs8 = RsaKeys.parse("key", keys.pkcs8Pem().getBytes(StandardCharsets.US_ASCII));
        assertEquals(pkcs1.getModulus(), pkcs8.getModulus());
        assertEquals(pkcs1.getPrivateExponent(), pkcs8.getPrivateExponent());
    }

    @Test
    void refusesMalformedKeyWithoutQuotingIt() {
        String pem = keys.pkcs1Pem();
        String body = pem.split("\n")[1];
        String broken = pem.replace(body, body.substring(0, 20) + "!!!!" + body.substring(24));
        for (String bad :
                new String[] {broken, "just some text " + body, pem.replace("RSA PRIVATE KEY", "CERTIFICATE")}) {
            SecretsException e =
                    assertThrows(SecretsException.class, () -> RsaKeys.parse("GitHub App private key", bad.getBytes()));
            assertTrue(e.getMessage().startsWith("GitHub App private key"), e.getMessage());
            assertFalse(e.getMessage().contains(body.substring(0, 16)), e.getMessage());
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains(body.substring(0, 16)));
            }
        }
    }
}
