package ai.magicode.appliance.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The test Keycloak starts and issues tokens carrying the tenant and realm roles the appliance maps. */
class KeycloakSmokeIT {
    @Test
    void passwordGrantYieldsTokenWithTenantAndRoles() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        String token = keycloak.login(KeycloakServer.REALM, "acme-operator").accessToken();
        JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertEquals("acme", claims.path("tenant").asText(), claims.toString());
        assertEquals(keycloak.issuer(KeycloakServer.REALM), claims.path("iss").asText());
        assertEquals(
                true,
                claims.path("realm_access").path("roles").toString().contains("magicode-operator"),
                claims.toString());
    }
}
