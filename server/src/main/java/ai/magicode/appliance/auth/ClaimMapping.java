package ai.magicode.appliance.auth;

import ai.magicode.appliance.audit.AuditEvent;
import ai.magicode.appliance.config.AuthConfig;
import ai.magicode.appliance.web.Role;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a token's claims into the appliance's view of the caller: the tenant from the configured
 * tenant claim, and appliance roles from the provider's roles or groups by the configured mapping. A
 * token without a tenant is platform-level: only {@link Role#SUPERADMIN} survives there.
 */
final class ClaimMapping {
    private final String tenantClaim;
    private final List<String> rolesPath;
    private final Map<String, Set<String>> roles;

    ClaimMapping(AuthConfig config) {
        this(config.tenantClaim(), config.rolesClaim(), config.roles());
    }

    ClaimMapping(String tenantClaim, String rolesClaim, Map<String, Set<String>> roles) {
        this.tenantClaim = tenantClaim;
        this.rolesPath = List.of(rolesClaim.split("\\."));
        this.roles = roles;
    }

    /** The tenant named by the claims, or {@link AuditEvent#PLATFORM} when they name none. */
    String tenant(Map<String, Object> claims) {
        return claims.get(tenantClaim) instanceof String tenant && !tenant.isBlank() ? tenant : AuditEvent.PLATFORM;
    }

    /** The appliance roles granted by the claims in {@code tenant}. */
    Set<Role> roles(Map<String, Object> claims, String tenant) {
        Set<String> granted = Set.copyOf(providerRoles(claims));
        Set<Role> mapped = EnumSet.noneOf(Role.class);
        for (Role role : Role.values()) {
            Set<String> names = roles.getOrDefault(role.name().toLowerCase(Locale.ROOT), Set.of());
            if (names.stream().anyMatch(granted::contains)) {
                mapped.add(role);
            }
        }
        if (AuditEvent.PLATFORM.equals(tenant)) {
            mapped.retainAll(Set.of(Role.SUPERADMIN));
        }
        return mapped;
    }

    private List<String> providerRoles(Map<String, Object> claims) {
        Object node = claims;
        for (String step : rolesPath) {
            if (!(node instanceof Map<?, ?> map)) {
                return List.of();
            }
            node = map.get(step);
        }
        if (node instanceof Collection<?> values) {
            return values.stream()
                    .filter(String.class::isInstance)
                    .map(String.class::cast)
                    .toList();
        }
        return Optional.ofNullable(node)
                .filter(String.class::isInstance)
                .map(value -> List.of((String) value))
                .orElse(List.of());
    }
}
