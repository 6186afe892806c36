package ai.magicode.appliance.audit;

import java.util.Objects;

/**
 * Who did something: a user, an API token, the GitHub App, the appliance itself, or an anonymous
 * caller (for failed logins and refused requests).
 *
 * @param kind what sort of actor
 * @param id a stable identifier (user id, token id, App id); never a secret
 */
public record Actor(Kind kind, String id) {
    /** Sorts of actors. */
    public enum Kind {
        USER,
        API_TOKEN,
        APP,
        SYSTEM,
        ANONYMOUS
    }

    public Actor {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    public static Actor user(String id) {
        return new Actor(Kind.USER, id);
    }

    public static Actor apiToken(String id) {
        return new Actor(Kind.API_TOKEN, id);
    }

    /** The authenticated caller of a request: the user or the API token (by id, never the token). */
    public static Actor of(ai.magicode.appliance.web.Caller caller) {
        return caller.kind() == ai.magicode.appliance.web.Caller.Kind.API_TOKEN
                ? apiToken(caller.subject())
                : user(caller.subject());
    }

    public static Actor app(String id) {
        return new Actor(Kind.APP, id);
    }

    /** The appliance acting on its own (startup, rotation, retention). */
    public static Actor system() {
        return new Actor(Kind.SYSTEM, "magicode");
    }

    public static Actor anonymous() {
        return new Actor(Kind.ANONYMOUS, "-");
    }
}
