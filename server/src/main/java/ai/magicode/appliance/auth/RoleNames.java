package ai.magicode.appliance.auth;

import ai.magicode.appliance.web.Role;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Roles as stored and shown: lower-case names joined by commas. Stored records keep roles as text so
 * that they reload without depending on how the JDK's set classes are laid out.
 */
final class RoleNames {
    private RoleNames() {}

    static String join(Set<Role> roles) {
        return roles.stream().sorted().map(RoleNames::name).collect(Collectors.joining(","));
    }

    static Set<Role> parse(String text) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (text == null || text.isBlank()) {
            return roles;
        }
        Arrays.stream(text.split(",")).map(String::trim).forEach(name -> roles.add(role(name)));
        return roles;
    }

    static String name(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for an unknown role name */
    static Role role(String name) {
        for (Role role : Role.values()) {
            if (role.name().equalsIgnoreCase(name)) {
                return role;
            }
        }
        throw new IllegalArgumentException("unknown role " + name);
    }
}
