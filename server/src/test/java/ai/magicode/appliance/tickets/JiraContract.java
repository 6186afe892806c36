package ai.magicode.appliance.tickets;

import ai.magicode.appliance.contracts.OpenApiContract;
import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.whitelist.ValidationErrorsWhitelist;
import com.atlassian.oai.validator.whitelist.rule.WhitelistRules;

/**
 * Jira's published OpenAPI descriptions (the subsets in {@code src/test/resources/contracts/jira}), against which the
 * Jira simulator checks every exchange. What is checked differs, because the two descriptions do:
 *
 * <ul>
 *   <li><b>Cloud</b> (Atlassian's platform REST v3 description): the operation, its path and query parameters, the
 *       basic authentication it declares, the request body against its schema, and the response's status and body
 *       against theirs. {@code POST /rest/api/3/search/jql} is newer than this description; it is checked as
 *       {@code POST /rest/api/3/search}, whose request schema holds the same three fields the appliance sends
 *       ({@code jql}, {@code fields}, {@code maxResults}) and whose answer holds {@code issues} (the newer answer's
 *       {@code isLast} excused). A 204 declared with a body is excused too ({@link #KNOWN_DEFECTS}). The description
 *       leaves a comment's {@code body} untyped: the Atlassian Document Format is checked by {@code
 *       AtlassianDocumentTest} and the simulator, not here.
 *   <li><b>Data Center</b> (Jira 7.6.1's REST API, converted from Atlassian's WADL): the operation exists with that
 *       method and its path and query parameters fit their declared types. The WADL describes no bodies and no real
 *       status codes (every answer is a generic {@code 200}), so bodies and statuses are not checked.
 * </ul>
 */
final class JiraContract {
    /**
     * Where the Cloud description cannot be met by Jira's real answers, or describes an older operation, excused for
     * exactly that operation and message; everything else in those exchanges is still checked.
     */
    private static final ValidationErrorsWhitelist KNOWN_DEFECTS = ValidationErrorsWhitelist.create()
            .withRule(
                    // Declared as 204 with a JSON body; Jira (like any 204) sends none.
                    "transition: 204 declares a body",
                    WhitelistRules.allOf(
                            WhitelistRules.isResponse(),
                            WhitelistRules.pathContainsSubstring("/transitions"),
                            WhitelistRules.messageHasKey("validation.response.body.missing")))
            .withRule(
                    // The answer of /search/jql is checked as /search's, whose schema closes its properties; isLast
                    // is the one property the newer operation answers that the older one lacks.
                    "search/jql: isLast is the newer operation's",
                    WhitelistRules.allOf(
                            WhitelistRules.isResponse(),
                            WhitelistRules.pathContainsSubstring("/rest/api/3/search"),
                            WhitelistRules.messageHasKey("validation.response.body.schema.additionalProperties"),
                            WhitelistRules.messageContainsSubstring("[\"isLast\"]")));

    private static OpenApiContract cloud;
    private static OpenApiContract dataCenter;

    private JiraContract() {}

    /** The Cloud (REST v3) contract, parsed once per test JVM. */
    static synchronized OpenApiContract cloud() {
        if (cloud == null) {
            cloud = new OpenApiContract(
                    validator("/contracts/jira/jira-cloud-subset.json", "/", OpenApiContract.openSchemaLevels()),
                    path -> path.equals("/rest/api/3/search/jql") ? "/rest/api/3/search" : path);
        }
        return cloud;
    }

    /** The Data Center (REST v2) contract, parsed once per test JVM. */
    static synchronized OpenApiContract dataCenter() {
        if (dataCenter == null) {
            dataCenter = new OpenApiContract(
                    validator(
                            "/contracts/jira/jira-data-center-subset.json",
                            "/rest",
                            // The WADL describes no bodies and no real statuses (every answer is a generic 200).
                            OpenApiContract.openSchemaLevels()
                                    .withLevel("validation.request.body.unexpected", ValidationReport.Level.IGNORE)
                                    .withLevel("validation.response.status.unknown", ValidationReport.Level.IGNORE)
                                    .withLevel("validation.response.body.unexpected", ValidationReport.Level.IGNORE)),
                    path -> path);
        }
        return dataCenter;
    }

    private static OpenApiInteractionValidator validator(
            String resource, String basePath, LevelResolver.Builder levels) {
        return OpenApiInteractionValidator.createForInlineApiSpecification(OpenApiContract.description(resource))
                .withBasePathOverride(basePath)
                .withLevelResolver(levels.build())
                .withWhitelist(KNOWN_DEFECTS)
                .build();
    }
}
