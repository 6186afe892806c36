package ai.magicode.appliance.github;

import java.util.regex.Pattern;

/**
 * A repository's {@code owner/name}, checked so it can go into an API path or a Git URL as it is.
 *
 * @param owner user or organization login
 * @param name repository name
 */
public record RepoName(String owner, String name) {
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public RepoName {
        if (owner == null || !OWNER.matcher(owner).matches()) {
            throw new GitHubException("Not a GitHub owner name: " + printable(owner));
        }
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new GitHubException("Not a GitHub repository name: " + printable(name));
        }
    }

    /** Parses {@code owner/name}. */
    public static RepoName parse(String fullName) {
        int slash = fullName == null ? -1 : fullName.indexOf('/');
        if (slash < 0) {
            throw new GitHubException("Not owner/name: " + printable(fullName));
        }
        return new RepoName(fullName.substring(0, slash), fullName.substring(slash + 1));
    }

    @Override
    public String toString() {
        return owner + "/" + name;
    }

    private static String printable(String text) {
        if (text == null) {
            return "(none)";
        }
        String cut = text.length() > 100 ? text.substring(0, 100) + "…" : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
