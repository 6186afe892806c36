package ai.magicode.appliance.github;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GitHub App manifest the console posts to GitHub so an admin creates the App in two clicks: least-privilege
 * permissions (never {@code workflows} or {@code administration}), the events the appliance handles, and the
 * appliance's webhook and redirect URLs. docs/github.md explains each permission.
 */
public final class AppManifest {
    /** Permissions the appliance needs; {@code actions: read} only when CI logs are read. */
    static final Map<String, String> PERMISSIONS = orderedMap(
            "metadata", "read",
            "contents", "write",
            "pull_requests", "write",
            "issues", "write",
            "checks", "read");

    /** Events subscribed to (installation events reach every App without subscribing). */
    static final List<String> EVENTS = List.of(
            "issues",
            "issue_comment",
            "pull_request",
            "pull_request_review",
            "pull_request_review_comment",
            "pull_request_review_thread",
            "push",
            "check_run",
            "check_suite");

    /** Never requested, whatever an option says: they would let the bot change CI or the repository's settings. */
    static final List<String> FORBIDDEN = List.of("workflows", "administration");

    private AppManifest() {}

    /**
     * The manifest for an appliance reachable at {@code publicUrl}.
     *
     * @param name the App's name on GitHub (unique there)
     * @param actionsRead also request {@code actions: read} (CI logs)
     */
    static Map<String, Object> create(URI publicUrl, String name, boolean actionsRead) {
        String base = publicUrl.toString().endsWith("/")
                ? publicUrl.toString().substring(0, publicUrl.toString().length() - 1)
                : publicUrl.toString();
        Map<String, String> permissions = new LinkedHashMap<>(PERMISSIONS);
        if (actionsRead) {
            permissions.put("actions", "read");
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", name);
        manifest.put("url", base + "/");
        manifest.put("hook_attributes", Map.of("url", base + "/webhooks/github", "active", true));
        // The console page finishes the flow: it calls the API callback with the session (a redirect from GitHub is
        // cross-site, so the SameSite=Strict session cookie would not come along on it).
        manifest.put("redirect_url", base + "/setup/github-app");
        manifest.put("public", false);
        manifest.put("default_permissions", permissions);
        manifest.put("default_events", EVENTS);
        return manifest;
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
