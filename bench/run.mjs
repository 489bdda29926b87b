#!/usr/bin/env node
// `npm run bench`: throughput of our receivers against bare Express, hand-written
// Express code and peer libraries, measured in one run with interleaved rounds; then
// the abuse run (bench/abuse.mjs) unless BENCH_ABUSE=0.
//
// Env: BENCH_DURATION (s per round, default 3), BENCH_ROUNDS (default 5), BENCH_WARMUP
// (s per server before the first round, default 2), BENCH_CONNECTIONS (default 50),
// BENCH_ONLY (comma-separated substrings of scenario ids), BENCH_ABUSE (0 to skip),
// BENCH_STORES (0 to skip the cost per delivery of each store, bench/stores.mjs),
// BENCH_VARIANT (a directory holding another build of this package, with its own
// package.json, dist/ and bench/: each of our scenarios is run a second time, as
// "<id>+variant", against that build, in the same rounds; how hot-path changes are measured).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { load } from "./support/load.mjs";
import { guardChildren, pinning, pinSelf, startServer } from "./support/processes.mjs";
import { machine, resultsTable, summarize, targetsTable } from "./support/report.mjs";
import { buildScenarios } from "./scenarios.mjs";

const env = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const settings = {
  seconds: env("BENCH_DURATION", 3),
  rounds: Math.round(env("BENCH_ROUNDS", 5)),
  warmup: Number(process.env.BENCH_WARMUP ?? 2),
  connections: Math.round(env("BENCH_CONNECTIONS", 50)),
  only: (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
};

/** One request, to check a server answers the scenario's request as expected before loading it. */
function sendOnce(url, request) {
  const built = request.setupRequest ? request.setupRequest({ ...request, headers: { ...request.headers } }) : request;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url + built.path,
      { method: built.method, headers: { ...built.headers, "content-length": built.body.length } },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8").slice(0, 300) }));
      },
    );
    req.on("error", reject);
    req.end(built.body);
  });
}

/** Our scenarios once more, served by another build of the package (`BENCH_VARIANT`). */
function withVariant(scenarios, root) {
  const serve = resolve(root, "bench/servers/serve.mjs");
  if (!existsSync(serve) || !existsSync(resolve(root, "dist/esm/index.js"))) {
    throw new Error(`BENCH_VARIANT=${root} needs a built package (dist/esm) and a copy of bench/ there.`);
  }
  const ours = new Set(["misskey", "oksky"]);
  return scenarios.flatMap((scenario) =>
    ours.has(scenario.kind) ? [scenario, { ...scenario, id: `${scenario.id}+variant`, serve, target: undefined }] : [scenario],
  );
}

export async function runThroughput() {
  guardChildren();
  pinSelf();
  const host = machine();
  console.log(`# Throughput — ${new Date().toISOString()}`);
  console.log(
    `${host.cpu}, ${host.cpus} CPUs, ${host.memoryGb} GB, Node ${host.node}, ${host.kernel}; load average at start ${host.loadAverage}`,
  );
  console.log(
    pinning
      ? `servers pinned to CPU ${pinning.server}, load generator to CPU ${pinning.client}`
      : "not pinned (needs taskset and 2 CPUs): server and load generator share the CPUs",
  );
  console.log(
    `${settings.rounds} rounds × ${settings.seconds} s per scenario, ${settings.connections} connections, warm-up ${settings.warmup} s\n`,
  );

  let { scenarios, skipped } = await buildScenarios();
  if (settings.only.length > 0) scenarios = scenarios.filter((s) => settings.only.some((part) => s.id.includes(part)));
  if (process.env.BENCH_VARIANT) scenarios = withVariant(scenarios, process.env.BENCH_VARIANT);
  for (const reason of skipped) console.log(`skipped: ${reason}`);

  const servers = new Map();
  const broken = [];
  try {
    for (const scenario of scenarios) {
      const server = await startServer(scenario.kind, scenario.config, scenario.serve ? { serve: scenario.serve } : {});
      servers.set(scenario.id, server);
      const answer = await sendOnce(server.url, scenario.request);
      if (answer.status !== scenario.expect)
        broken.push(`${scenario.id}: answered ${answer.status} ${answer.body}, expected ${scenario.expect}`);
    }
    if (broken.length > 0) {
      for (const line of broken) console.error(`broken: ${line}`);
      const ids = new Set(broken.map((line) => line.slice(0, line.indexOf(":"))));
      scenarios = scenarios.filter((s) => !ids.has(s.id));
    }

    /** Only the measured server runs; the others are frozen (see `pause` in processes.mjs). */
    const runOnly = (server) => {
      for (const other of servers.values()) if (other !== server) other.pause();
      server.resume();
      return server;
    };

    if (settings.warmup > 0) {
      process.stdout.write("warm-up:");
      for (const scenario of scenarios) {
        await load(runOnly(servers.get(scenario.id)), { ...scenario, seconds: settings.warmup, connections: settings.connections });
        process.stdout.write(".");
      }
      process.stdout.write("\n");
    }
    for (const server of servers.values()) server.reset();

    const results = new Map(scenarios.map((s) => [s.id, []]));
    for (let round = 0; round < settings.rounds; round++) {
      // Each round starts further along the list, so no scenario always runs first.
      const order = scenarios.map((_, i) => scenarios[(i + round * Math.ceil(scenarios.length / settings.rounds)) % scenarios.length]);
      console.log(`round ${round + 1}/${settings.rounds}`);
      for (const scenario of order) {
        const result = await load(runOnly(servers.get(scenario.id)), {
          ...scenario,
          seconds: settings.seconds,
          connections: settings.connections,
        });
        results.get(scenario.id).push(result);
        console.log(
          `  ${scenario.id.padEnd(32)} ${result.rate.toFixed(0).padStart(7)}/s  server ${(result.serverBusy * 100).toFixed(0)}% client ${(result.clientBusy * 100).toFixed(0)}%` +
            (result.unexpected || result.errors ? `  other ${JSON.stringify(result.statuses)} errors ${result.errors}` : ""),
        );
      }
    }

    for (const server of servers.values()) server.resume();
    const peaks = new Map();
    const counters = new Map();
    for (const scenario of scenarios) {
      const server = servers.get(scenario.id);
      peaks.set(scenario.id, server.proc().hwmKb);
      counters.set(scenario.id, await server.stats().catch(() => undefined));
    }

    const summary = summarize(scenarios, results);
    console.log("\n## Results\n");
    console.log(resultsTable(summary, peaks));
    console.log("\n## Targets (issue 5)\n");
    console.log(targetsTable(summary));
    const clientBound = [...summary.values()].filter((row) => row.clientBusy > 0.9);
    if (clientBound.length > 0) {
      console.log(
        `\nload generator near 100% of its core for: ${clientBound.map((r) => r.scenario.id).join(", ")} — those rates are a floor.`,
      );
    }
    const notes = [];
    for (const [id, stats] of counters) {
      if (stats?.errors > 0 && !id.includes("forged")) notes.push(`${id}: receiver reported ${JSON.stringify(stats.errorCodes)}`);
    }
    if (notes.length > 0) console.log(`\n${notes.join("\n")}`);

    const out = fileURLToPath(new URL("./results/", import.meta.url));
    mkdirSync(out, { recursive: true });
    const file = `${out}throughput-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(
      file,
      JSON.stringify(
        {
          machine: host,
          settings,
          pinning,
          broken,
          scenarios: [...summary.values()].map(({ scenario, runs, ...rest }) => ({
            id: scenario.id,
            size: scenario.size,
            ...rest,
            peakRssKb: peaks.get(scenario.id),
            counters: counters.get(scenario.id),
            runs,
          })),
        },
        null,
        2,
      ),
    );
    console.log(`\nraw results: ${file}`);
    return { summary, broken };
  } finally {
    for (const server of servers.values()) server.resume();
    await Promise.all([...servers.values()].map((server) => server.stop(2000)));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { broken } = await runThroughput();
  if (process.env.BENCH_ABUSE !== "0") {
    const { runAbuse } = await import("./abuse.mjs");
    await runAbuse();
  }
  if (process.env.BENCH_STORES !== "0") {
    const { runStores } = await import("./stores.mjs");
    await runStores();
  }
  if (broken.length > 0) process.exitCode = 1;
}
