// Cuts named operations out of an OpenAPI description, with every component they reference (transitively), so a
// committed contract stays small. Not run by itself: github/subset.js and contracts/jira/subset.js name the
// operations and the options, and call cut().
"use strict";
const fs = require("fs");

// Writes the subset of the description in the file specPath to standard output, as indented JSON.
//   operations: {path: [method, …]} to keep, with the path item's shared parameters
//   source: named after the title and version in the subset's info.description (omitted when undefined)
//   dropExamples: leave out every example (documentation, not contract; most of the bytes of some descriptions)
function cut(specPath, operations, { source, dropExamples = false } = {}) {
  const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
  const described = "Subset of " + spec.info.title + " " + spec.info.version;
  const out = {
    openapi: spec.openapi,
    info: { ...spec.info, description: source === undefined ? described : described + " (" + source + ")" },
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
  if (dropExamples) {
    // A copy: the parts taken from spec are shared with it.
    const result = JSON.parse(JSON.stringify(out));
    withoutExamples(result.paths);
    withoutExamples(result.components);
    process.stdout.write(JSON.stringify(result, null, 1) + "\n");
  } else {
    process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  }
}

function withoutExamples(node) {
  if (Array.isArray(node)) return node.forEach(withoutExamples);
  if (node === null || typeof node !== "object") return;
  delete node.example;
  delete node.examples;
  Object.values(node).forEach(withoutExamples);
}

module.exports = { cut };
