// Cuts the operations the appliance uses out of GitHub's GHES 3.19 OpenAPI description, with every component they
// reference (transitively), so the committed contract stays small. See README.md for the command that runs it.
//   node subset.js path/to/package/generated/ghes-3.19.json > ghes-3.19-subset.json
"use strict";
const fs = require("fs");

const OPERATIONS = {
  "/app-manifests/{code}/conversions": ["post"],
  "/app/installations": ["get"],
  "/app/installations/{installation_id}/access_tokens": ["post"],
  "/app/hook/deliveries": ["get"],
  "/app/hook/deliveries/{delivery_id}/attempts": ["post"],
  "/installation/repositories": ["get"],
  "/repos/{owner}/{repo}/installation": ["get"],
  "/repos/{owner}/{repo}/collaborators/{username}/permission": ["get"],
  "/repos/{owner}/{repo}/issues/{issue_number}": ["get"],
  "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
  "/repos/{owner}/{repo}/issues/{issue_number}/reactions": ["post"],
  "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": ["post"],
  "/repos/{owner}/{repo}/pulls": ["get", "post"],
  "/repos/{owner}/{repo}/pulls/{pull_number}": ["get", "patch"],
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments": ["get"],
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies": ["post"],
  "/repos/{owner}/{repo}/commits/{ref}/check-runs": ["get"],
  "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs": ["get"],
  "/repos/{owner}/{repo}/branches/{branch}": ["get"],
  "/repos/{owner}/{repo}/rules/branches/{branch}": ["get"],
  "/repos/{owner}/{repo}/contents/{path}": ["get"],
  "/repos/{owner}/{repo}/git/trees/{tree_sha}": ["get"],
  "/repos/{owner}/{repo}/git/blobs/{file_sha}": ["get"],
  "/search/users": ["get"],
};

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = {
  openapi: spec.openapi,
  info: { ...spec.info, description: "Subset of " + spec.info.title + " " + spec.info.version + " (ghes-3.19.json)" },
  servers: spec.servers,
  paths: {},
  components: {},
};
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
for (const [path, methods] of Object.entries(OPERATIONS)) {
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
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
