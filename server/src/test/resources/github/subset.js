// Cuts the operations the appliance uses out of GitHub's GHES 3.19 OpenAPI description, with every component they
// reference (transitively), so the committed contract stays small (the cutting is
// ../contracts/openapi-subset.js's). See README.md for the command that runs it.
//   node subset.js path/to/package/generated/ghes-3.19.json > ghes-3.19-subset.json
"use strict";
const { cut } = require("../contracts/openapi-subset.js");

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

cut(process.argv[2], OPERATIONS, { source: "ghes-3.19.json" });
