#!/usr/bin/env node
// A local check, not a test: runs our form parser over other parsers' own published test
// vectors (qs's, Rack's parse_nested_query, busboy's urlencoded ones), kept as data outside
// this repository (../shared/peer-vectors; see its SOURCES.md). CI has no copy, so no test
// depends on this; the shapes themselves are pinned in __tests__/core/nested-keys.test.ts.
//
//   node scripts/peer-vectors.mjs [vectors-dir] [--root <checkout>] [--verbose]
//
// --root reads lib/ from another checkout (e.g. an older commit exported with git archive)
// to compare before and after. Prints agreements per source, and every disagreement.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args.splice(at, 2)[1];
};
const root = resolve(flag("--root") ?? repo);
const verbose = args.includes("--verbose");
const candidates = [
  args.find((arg) => !arg.startsWith("--")),
  process.env.PEER_VECTORS,
  join(repo, "../shared/peer-vectors"),
  join(repo, "../../shared/peer-vectors"),
];
const dir = candidates.find((candidate) => candidate && existsSync(join(candidate, "qs-parse.json")));
if (!dir) {
  console.log(`No peer vectors found (looked in ${candidates.filter(Boolean).join(", ")}): nothing compared.`);
  console.log("This check is local only; CI runs on a clean clone without them.");
  process.exit(0);
}

const require = createRequire(import.meta.url);
require(join(repo, "__tests__/helpers/ts-require.cjs"));
const { parseUrlencoded, parseUrlencodedEntries } = require(join(root, "lib/core/request/content-types/urlencoded.ts"));
let budget = () => undefined;
try {
  const { containerBudget, DEFAULT_MAX_DEPTH } = require(join(root, "lib/core/request/content-types/structure-limits.ts"));
  budget = (bytes) => ({ maxDepth: DEFAULT_MAX_DEPTH, maxContainers: containerBudget(bytes) });
} catch {
  // An older checkout: no structure limits.
}
const load = (file) => JSON.parse(readFileSync(join(dir, file), "utf8"));

/** Our reading of a form body with the receiver's defaults, or the error's code. */
function ours(input) {
  const bytes = Buffer.from(input, "latin1");
  try {
    return parseUrlencoded(bytes, { maxFields: 1000 }, budget(bytes.length));
  } catch (error) {
    return { $error: error.code ?? error.message };
  }
}

/** The vectors' encoding of what JSON cannot hold, turned back into values. */
function revive(value) {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value !== "object" || value === null) return value;
  if (value.$undefined) return undefined;
  if ("$sparse" in value) {
    const array = new Array(value.$sparse);
    for (const [index, item] of Object.entries(value.items)) array[index] = revive(item);
    return array;
  }
  const out = {};
  for (const [key, item] of Object.entries(value)) if (key !== "$nullProto") out[key] = revive(item);
  return out;
}

function show(value) {
  try {
    return JSON.stringify(value, (_, v) => (v === undefined ? "<undefined>" : v));
  } catch (error) {
    // An older parser's 100-million-slot array cannot even be printed.
    return `<${error.message}>`;
  }
}
const results = [];
function record(source, input, expected, actual, note = "") {
  let agree = false;
  try {
    agree = isDeepStrictEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expected ?? null)));
  } catch {
    // Too big to compare: not what the peer gives.
  }
  results.push({ source, input, expected, actual, agree, note });
}

// qs: every parse of a string with default options, checked by deepEqual of the whole result.
for (const call of load("qs-parse.json").calls) {
  if (call.inputType !== "string" || (call.options && Object.keys(call.options).length > 0)) continue;
  for (const check of call.checks) {
    if (check.kind !== "deepEqual" || check.path.length > 0) continue;
    record("qs", call.input, revive(check.expected), ours(call.input), check.message ?? call.test);
  }
}

// Rack: parse_nested_query, its expected hash (nil as null) or the error it raises.
for (const vector of load("rack-nested-query.json").cases) {
  if ("raises" in vector) record("rack", vector.input, { $raises: vector.raises }, ours(vector.input));
  else record("rack", vector.input, vector.expected, ours(vector.input));
}

// busboy: the fields of a urlencoded body (names and values, in order), default limits.
for (const vector of load("busboy-urlencoded.json").vectors) {
  if (vector.limits && !vector.limits.$undefined) continue;
  const body = Buffer.concat(vector.source.map((chunk) => Buffer.from(chunk, "base64")));
  let actual;
  try {
    actual = parseUrlencodedEntries(body, { maxFields: 1000, charset: vector.charset });
  } catch (error) {
    actual = { $error: error.code ?? error.message };
  }
  record(
    "busboy-urlencoded",
    vector.what,
    vector.expected.map(([name, value]) => [name, value]),
    actual,
  );
}

console.log(`Peer vectors from ${dir}; our parser from ${root}\n`);
for (const source of [...new Set(results.map((r) => r.source))]) {
  const mine = results.filter((r) => r.source === source);
  console.log(`${source}: ${mine.filter((r) => r.agree).length} of ${mine.length} agree`);
}
console.log("\nDisagreements:");
for (const r of results.filter((one) => !one.agree)) {
  console.log(`- [${r.source}] ${show(r.input).slice(0, 160)}${r.note ? ` (${r.note})` : ""}`);
  if (verbose || show(r.expected).length + show(r.actual).length < 400) {
    console.log(`    theirs: ${show(r.expected).slice(0, 300)}\n    ours:   ${show(r.actual).slice(0, 300)}`);
  }
}
