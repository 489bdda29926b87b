#!/usr/bin/env node
// `npm run bench:profile`: runs the Misskey receiver under `node --cpu-prof` with the 1 KB
// and 64 KB loads and prints where the server's CPU time goes: self time per function,
// and per package (ours, zod, express, node itself, GC). The .cpuprofile files (open in
// Chrome DevTools or speedscope.app for a flame graph) and folded stacks (for
// flamegraph.pl) are written to bench/results/profiles/.
//
// Env: BENCH_PROFILE_SECONDS (default 10), BENCH_PROFILE (comma-separated scenario ids of
// bench/scenarios.mjs, default "misskey@1KB,misskey@64KB"; any server can be profiled,
// e.g. "express-json-token@64KB" to compare), BENCH_CONNECTIONS (default 50).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { load } from "./support/load.mjs";
import { guardChildren, pinSelf, startServer } from "./support/processes.mjs";
import { table } from "./support/report.mjs";
import { buildScenarios } from "./scenarios.mjs";

const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const wanted = (process.env.BENCH_PROFILE ?? "misskey@1KB,misskey@64KB").split(",").map((s) => s.trim());
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const OUT = fileURLToPath(new URL("./results/profiles/", import.meta.url));

/** Which body of code a profile node belongs to, from its script URL. */
function packageOf(url, name) {
  if (!url) return name.startsWith("(") ? name : "(native)";
  if (url.includes("/node_modules/")) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(url.lastIndexOf("/node_modules/")));
    return match ? match[1] : "node_modules";
  }
  if (url.includes("/dist/esm/") || url.includes("/dist/cjs/")) return "express-webhook-receivers";
  if (url.startsWith("node:") || !url.includes("/")) return "node (internals)";
  if (url.includes("/bench/")) return "bench harness";
  return url;
}

/** Self time per function and per package, and folded stacks, from a .cpuprofile. */
export function analyze(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = deltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id).callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;

  const functions = new Map();
  const packages = new Map();
  const folded = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === "(idle)") continue;
    const pkg = packageOf(callFrame.url, callFrame.functionName);
    const file = callFrame.url ? callFrame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, "$1/") : "";
    const key = `${callFrame.functionName || "(anonymous)"} ${file}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ""}`;
    const entry = functions.get(key) ?? { name: key, pkg, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const stack = [];
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      if (frame.functionName === "(root)") break;
      stack.push(`${frame.functionName || "(anonymous)"}${frame.url ? ` ${frame.url.split("/").pop()}` : ""}`.replace(/;/g, ","));
    }
    const line = stack.reverse().join(";");
    folded.set(line, (folded.get(line) ?? 0) + us);
  }
  return {
    busy,
    total,
    functions: [...functions.values()].sort((a, b) => b.us - a.us),
    packages: [...packages].sort((a, b) => b[1] - a[1]),
    folded,
  };
}

const pct = (us, busy) => `${((100 * us) / busy).toFixed(1)}%`;

async function profileScenario(scenario) {
  const dir = `${OUT}${scenario.id.replace(/[^a-z0-9]+/gi, "-")}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startServer(scenario.kind, scenario.config, { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`] });
  let result;
  try {
    result = await load(server, { ...scenario, seconds, connections });
  } finally {
    await server.stop(15_000);
  }
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const analysis = analyze(JSON.parse(readFileSync(dir + file, "utf8")));
  writeFileSync(`${dir}folded.txt`, [...analysis.folded].map(([stack, us]) => `${stack} ${Math.round(us)}`).join("\n") + "\n");

  console.log(`\n## ${scenario.id}: ${result.rate.toFixed(0)} answers/s under the profiler (${seconds} s)\n`);
  console.log(`profile: ${dir}${file}\n`);
  console.log(
    table(
      ["package", "self time (share of busy CPU)"],
      analysis.packages.slice(0, 12).map(([pkg, us]) => [pkg, pct(us, analysis.busy)]),
    ),
  );
  console.log("");
  console.log(
    table(
      ["function (top 25 by self time)", "package", "self"],
      analysis.functions.slice(0, 25).map((f) => [`\`${f.name}\``, f.pkg, pct(f.us, analysis.busy)]),
    ),
  );
  const ours = analysis.functions.filter((f) => f.pkg === "express-webhook-receivers");
  console.log("");
  console.log(
    table(
      ["our functions (top 15)", "self"],
      ours.slice(0, 15).map((f) => [`\`${f.name}\``, pct(f.us, analysis.busy)]),
    ),
  );
  return analysis;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  guardChildren();
  pinSelf();
  const { scenarios } = await buildScenarios();
  for (const id of wanted) {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) throw new Error(`No scenario "${id}"; ids: ${scenarios.map((s) => s.id).join(", ")}`);
    await profileScenario(scenario);
  }
}
