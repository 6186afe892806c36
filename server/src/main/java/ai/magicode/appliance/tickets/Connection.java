package ai.magicode.appliance.tickets;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A tenant's connection to one Jira site or Linear workspace. Its credentials and webhook secret are in the vault
 * (names {@link #tokenSecret} and {@link #webhookSecret}); nothing here is secret.
 *
 * @param id the appliance's id ({@code t-…}), part of the webhook address
 * @param tenant the tenant it belongs to
 * @param name a label for people
 * @param kind the tracker and its API
 * @param baseUrl the site ({@code https://acme.atlassian.net}, a Data Center base URL, or
 *     {@code https://api.linear.app})
 * @param repositories project key (Jira) or team key (Linear) → GitHub repository {@code owner/name}
 * @param triggerLabel the label that starts a job
 * @param botAccount the tracker account whose assignment starts a job (Jira account id or user name, Linear user
 *     id); empty: assignment does not trigger
 * @param openedStatus the status a ticket moves to when its pull request opens; empty: it stays
 * @param mergedStatus the status it moves to when the pull request is merged; empty: it stays
 * @param createdAt when it was created
 */
public record Connection(
        String id,
        String tenant,
        String name,
        Kind kind,
        String baseUrl,
        Map<String, String> repositories,
        String triggerLabel,
        String botAccount,
        String openedStatus,
        String mergedStatus,
        Instant createdAt) {
    public Connection {
        // A plain LinkedHashMap: the store reloads the collections it knows.
        repositories = new LinkedHashMap<>(repositories);
    }

    /** These settings as the connection {@code id} of {@code tenant}, of {@code kind}, created at {@code createdAt}. */
    Connection as(String id, String tenant, Kind kind, Instant createdAt) {
        return new Connection(
                id,
                tenant,
                name,
                kind,
                baseUrl,
                repositories,
                triggerLabel,
                botAccount,
                openedStatus,
                mergedStatus,
                createdAt);
    }

    /** The trackers and APIs a connection speaks. */
    public enum Kind {
        /** Jira Cloud, REST v3, e-mail and API token (basic). */
        JIRA_CLOUD,
        /** Jira Data Center, REST v2, personal access token (bearer). */
        JIRA_DATA_CENTER,
        /** Linear, GraphQL, API key. */
        LINEAR;

        /** The name used in the API ({@code jira-cloud}, {@code jira-data-center}, {@code linear}). */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The kind named {@code label}, or null. */
        static Kind of(String label) {
            for (Kind kind : values()) {
                if (kind.label().equals(label)) {
                    return kind;
                }
            }
            return null;
        }

        /** Whether it is one of the Jira kinds. */
        public boolean jira() {
            return this != LINEAR;
        }
    }

    /** The vault name of the credentials (Jira Cloud: {@code email:token}; Data Center: the token; Linear: the key). */
    String tokenSecret() {
        return "tickets." + id + ".token";
    }

    /** The vault name of the webhook secret. */
    String webhookSecret() {
        return "tickets." + id + ".webhook-secret";
    }

    /** The repository mapped to the ticket's project or team key, matched without regard to case. */
    java.util.Optional<String> repositoryFor(String projectKey) {
        return repositories.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(projectKey))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
