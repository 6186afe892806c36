#!/bin/sh
# Regenerates the webhook example payloads in this directory from npm @octokit/webhooks-examples 7.6.1 (MIT):
# the examples of the event types the inbox subscribes to, for api.github.com and the newest GHES in the package.
# Needs node and npm. Run from this directory: ./regenerate.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @octokit/webhooks-examples@7.6.1 >/dev/null && tar xzf octokit-webhooks-examples-7.6.1.tgz)
for source in api.github.com ghes-35; do
  node -e '
    const events = ["ping", "installation", "installation_repositories", "issues", "issue_comment", "pull_request",
      "pull_request_review", "pull_request_review_comment", "pull_request_review_thread", "push", "check_run",
      "check_suite"];
    const all = require(process.argv[1]);
    const out = {};
    for (const event of events) {
      const entry = all.find(e => e.name === event);
      out[event] = entry ? entry.examples : [];
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  ' "$work/package/$source/index.json" > "$source.json"
done
