// Writes the part of Linear's GraphQL schema the appliance uses, as SDL, from the TypeScript types that
// @linear/sdk generates from that schema (the package no longer ships schema.graphql itself).
// Usage: node subset.js package/dist/index-*.d.mts > linear-subset.graphql
const fs = require("fs");

// The fields the appliance selects (and the simulator answers), per object type; arguments come with them.
const FIELDS = {
  Query: ["issue", "issues", "workflowStates"],
  Mutation: ["commentCreate", "issueUpdate"],
  Issue: ["id", "identifier", "title", "description", "url", "team", "labels", "assignee"],
  Team: ["key"],
  User: ["id", "email"],
  IssueLabel: ["name"],
  IssueLabelConnection: ["nodes"],
  IssueConnection: ["nodes"],
  WorkflowState: ["id", "name"],
  WorkflowStateConnection: ["nodes"],
  CommentPayload: ["success"],
  IssuePayload: ["success"],
};
const BUILT_IN = new Set(["ID", "String", "Boolean", "Int", "Float"]);

const text = fs.readFileSync(process.argv[2], "utf8");
const types = {};
for (const m of text.matchAll(/^type (\w+) = (?:\w+ & )*\{\n([\s\S]*?)\n\};/gm)) {
  const fields = {};
  for (const f of m[2].matchAll(/^  (\w+)(\??): (.+);$/gm)) fields[f[1]] = { optional: f[2] === "?", type: f[3] };
  types[m[1]] = fields;
}
const enums = {};
for (const m of text.matchAll(/^declare enum (\w+) \{\n([\s\S]*?)\n\}/gm)) {
  enums[m[1]] = [...m[2].matchAll(/= "([^"]+)"/g)].map((v) => v[1]);
}
const scalarBlock = text.match(/^type Scalars = \{\n([\s\S]*?)\n\};/m)[1];
const scalars = [...scalarBlock.matchAll(/^  (\w+): /gm)].map((m) => m[1]);

const wanted = [];
const seen = new Set();
function need(name) {
  if (!seen.has(name)) {
    seen.add(name);
    wanted.push(name);
  }
}
// TypeScript type → GraphQL type reference.
function ref(ts, nullable) {
  let t = ts.trim();
  let m;
  if ((m = t.match(/^(?:Input)?Maybe<(.*)>$/))) return ref(m[1], true);
  let out;
  if ((m = t.match(/^Array<(.*)>$/))) out = "[" + ref(m[1], false) + "]";
  else if ((m = t.match(/^Scalars\["(\w+)"\]$/))) out = m[1];
  else if (/^\w+$/.test(t)) out = t;
  else throw new Error("cannot read type " + t);
  const base = out.replace(/[\[\]!]/g, "");
  if (!BUILT_IN.has(base)) need(base);
  return nullable ? out : out + "!";
}
function argsOf(parent, field) {
  const name = parent + field[0].toUpperCase() + field.slice(1) + "Args";
  const args = types[name];
  if (!args) return "";
  return "(" + Object.entries(args).map(([a, d]) => a + ": " + ref(d.type, d.optional)).join(", ") + ")";
}
Object.keys(FIELDS).forEach(need);
const out = [];
for (let i = 0; i < wanted.length; i++) {
  const name = wanted[i];
  if (enums[name]) {
    out.push("enum " + name + " {\n" + enums[name].map((v) => "  " + v).join("\n") + "\n}");
  } else if (scalars.includes(name)) {
    out.push("scalar " + name);
  } else if (types[name]) {
    const isInput = !("__typename" in types[name]);
    const fields = Object.entries(types[name]).filter(([f]) => f !== "__typename")
      .filter(([f]) => isInput || (FIELDS[name] || []).includes(f));
    if (!isInput) {
      const missing = (FIELDS[name] || []).filter((f) => !types[name][f]);
      if (missing.length) throw new Error(name + " has no field " + missing.join(", "));
    }
    out.push((isInput ? "input " : "type ") + name + " {\n" + fields
      .map(([f, d]) => "  " + f + (isInput ? "" : argsOf(name, f)) + ": " + ref(d.type, d.optional || isInput && /InputMaybe/.test(d.type)))
      .join("\n") + "\n}");
  } else {
    throw new Error("unknown type " + name);
  }
}
process.stdout.write("# Subset of Linear's GraphQL schema, from @linear/sdk's generated types (see README.md).\n"
  + "schema { query: Query mutation: Mutation }\n\n" + out.join("\n\n") + "\n");
