package ai.magicode.appliance.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Identity settings (section {@code auth}): the OIDC provider whose tokens the appliance accepts, how
 * their claims map to tenants and roles, and the local (break-glass) login.
 *
 * @param issuer the provider's issuer URL; empty when OIDC is off
 * @param discoveryUrl where its metadata is read
 * @param clientId the appliance's client at the provider
 * @param clientSecretFile the file holding the client secret (console login)
 * @param audience what bearer tokens must name in {@code aud} (or {@code azp})
 * @param algorithms accepted JWS algorithms (asymmetric only)
 * @param clockSkew tolerance for {@code exp}, {@code nbf}
 * @param jwksRefetchInterval least time between JWKS fetches caused by unknown key ids
 * @param tenantClaim the claim naming the tenant
 * @param rolesClaim the dotted path of the claim holding roles or groups
 * @param roles for each appliance role name (lower case), the provider names that grant it
 * @param localLogin whether local password login is enabled
 * @param sessionTtl console session lifetime
 */
public record AuthConfig(
        Optional<URI> issuer,
        Optional<URI> discoveryUrl,
        String clientId,
        Optional<Path> clientSecretFile,
        String audience,
        Set<String> algorithms,
        Duration clockSkew,
        Duration jwksRefetchInterval,
        String tenantClaim,
        String rolesClaim,
        Map<String, Set<String>> roles,
        boolean localLogin,
        Duration sessionTtl) {
    /** The appliance roles, as named under {@code auth.roles}. */
    public static final List<String> ROLE_KEYS = List.of("superadmin", "admin", "operator", "auditor", "member");

    private static final Set<String> ASYMMETRIC =
            Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519");

    static AuthConfig from(ConfigValues values) {
        Optional<URI> issuer = url(values, "auth.issuer");
        Optional<URI> discovery = url(values, "auth.discovery-url")
                .or(() -> issuer.map(i -> URI.create(stripSlash(i.toString()) + "/.well-known/openid-configuration")));
        String clientId = values.string("auth.client-id");
        if (clientId.isEmpty()) {
            throw values.invalid("auth.client-id", "the appliance's client id at the OIDC provider");
        }
        Set<String> algorithms = Set.copyOf(list(values.string("auth.algorithms")));
        if (algorithms.isEmpty() || !ASYMMETRIC.containsAll(algorithms)) {
            throw values.invalid(
                    "auth.algorithms", "a comma-separated subset of " + ASYMMETRIC + " (never none or HS*)");
        }
        Map<String, Set<String>> roles = new LinkedHashMap<>();
        for (String role : ROLE_KEYS) {
            roles.put(role, Set.copyOf(list(values.string("auth.roles." + role))));
        }
        String tenantClaim = values.string("auth.tenant-claim");
        String rolesClaim = values.string("auth.roles-claim");
        if (tenantClaim.isEmpty()) {
            throw values.invalid("auth.tenant-claim", "the name of the claim carrying the tenant");
        }
        if (rolesClaim.isEmpty()) {
            throw values.invalid("auth.roles-claim", "the (dotted) name of the claim carrying roles or groups");
        }
        return new AuthConfig(
                issuer,
                discovery,
                clientId,
                values.optionalPath("auth.client-secret-file"),
                values.optionalString("auth.audience").orElse(clientId),
                algorithms,
                values.duration("auth.clock-skew", Duration.ZERO, Duration.ofMinutes(5)),
                values.duration("auth.jwks-refetch-interval", Duration.ZERO, Duration.ofHours(1)),
                tenantClaim,
                rolesClaim,
                Map.copyOf(roles),
                values.bool("auth.local-login"),
                values.duration("auth.session-ttl", Duration.ofMinutes(1), Duration.ofDays(30)));
    }

    private static Optional<URI> url(ConfigValues values, String key) {
        Optional<String> text = values.optionalString(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text.get());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // reported below with the expected form
        }
        throw values.invalid(key, "an absolute http(s) URL such as https://keycloak.example.com/realms/magicode");
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
