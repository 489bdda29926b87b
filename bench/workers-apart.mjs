#!/usr/bin/env node
// `npm run bench:apart`: ingest throughput over one real PostgreSQL, with the listeners run
// by the same processes that answer HTTP ("together": 2 processes, ack after dispatch) vs by
// worker processes of their own ("apart": 2 ingest-only processes + 2 workers). Each
// listener writes its effect in the delivery's transaction and works up to WORK_MS_MAX ms.
//
// Env: BENCH_DURATION (s of load per mode and round, default 6), BENCH_ROUNDS (default 3),
// BENCH_SENDERS (concurrent senders, default 32), WORK_MS_MAX (default 20).
import { createRequire } from "node:module";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import * as testing from "express-webhook-receivers/testing";
import { guardChildren } from "./support/processes.mjs";

const require = createRequire(import.meta.url);
require("../__tests__/helpers/ts-require.cjs");
const { startPostgresServer } = require("../__tests__/helpers/postgres-server.ts");
const pg = require("pg");

const seconds = Number(process.env.BENCH_DURATION ?? 6);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const senders = Number(process.env.BENCH_SENDERS ?? 32);
const workMax = process.env.WORK_MS_MAX ?? "20";
const root = fileURLToPath(new URL("..", import.meta.url));
const tier = fileURLToPath(new URL("../__tests__/helpers/postgres-tier.ts", import.meta.url));
const tsRequire = fileURLToPath(new URL("../__tests__/helpers/ts-require.cjs", import.meta.url));
const secret = "s3cret";

function start(env, ready) {
  const child = spawn(process.execPath, ["-r", tsRequire, "-e", `require(${JSON.stringify(tier)})`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) resolve({ child, port: Number(/\d+/.exec(match[0])?.[0] ?? 0) });
    });
    child.once("exit", (code) => reject(new Error(`tier exited (${code}): ${out}`)));
  });
}

function post(port, d) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request({ port, host: "127.0.0.1", path: "/hooks/misskey", method: "POST", headers: d.headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on("error", () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(d.body);
  });
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const median = (values) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

async function runMode(server, admin, mode, round) {
  const table = `bench_${mode}_${round}`;
  const effects = `bench_effects_${mode}_${round}`;
  const { PostgresInbox } = await import("express-webhook-receivers/postgres");
  const inbox = new PostgresInbox({ connectionString: server.url, table, transactional: true });
  await inbox.createSchema();
  await admin.query(`CREATE TABLE ${effects} (delivery_id text NOT NULL, pid int NOT NULL)`);
  const env = { PG_URL: server.url, TABLE: table, EFFECTS: effects, WORK_MS_MAX: workMax, LEASE_MS: "30000", CONCURRENCY: "8" };
  const children = [];
  const ingestRole = mode === "apart" ? "ingest" : "both";
  const ingest = await Promise.all([0, 1].map(() => start({ ...env, ROLE: ingestRole }, /listening \d+/)));
  children.push(...ingest.map((x) => x.child));
  if (mode === "apart") {
    const workers = await Promise.all([0, 1].map(() => start({ ...env, ROLE: "worker" }, /working/)));
    children.push(...workers.map((x) => x.child));
  }
  const latencies = [];
  let answered = 0;
  let failed = 0;
  const end = performance.now() + seconds * 1000;
  let turn = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (performance.now() < end) {
        const { status, ms } = await post(ingest[turn++ % 2].port, testing.misskeyDelivery("note", { secret }));
        if (status === 200) {
          answered += 1;
          latencies.push(ms);
        } else failed += 1;
      }
    }),
  );
  // How long until every answered delivery's listener has run.
  const drainStarted = performance.now();
  while ((await inbox.counts()).pending > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  const { rows } = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT delivery_id)::int AS d FROM ${effects}`);
  for (const child of children) child.kill("SIGKILL");
  await inbox.close();
  latencies.sort((a, b) => a - b);
  return {
    mode,
    round,
    perSecond: answered / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    failed,
    drainSeconds,
    effects: rows[0].n,
    distinct: rows[0].d,
    answered,
  };
}

guardChildren();
const server = await startPostgresServer();
const admin = new pg.Pool({ connectionString: server.url, max: 2 });
try {
  console.log(`# Ingest with workers apart vs together — ${new Date().toISOString()}`);
  console.log(
    `${senders} senders, ${seconds} s per mode and round, ${rounds} rounds (interleaved), listeners work 0–${workMax} ms in their transaction\n`,
  );
  const results = [];
  for (let round = 1; round <= rounds; round++) {
    for (const mode of round % 2 ? ["together", "apart"] : ["apart", "together"]) results.push(await runMode(server, admin, mode, round));
  }
  console.log(
    "| mode | answered/s (median of rounds) | answer p50 ms | answer p99 ms | drain after load, s | effects = answered, none doubled |",
  );
  console.log("|---|---|---|---|---|---|");
  const rows = {};
  for (const mode of ["together", "apart"]) {
    const mine = results.filter((r) => r.mode === mode);
    rows[mode] = median(mine.map((r) => r.perSecond));
    const exact = mine.every((r) => r.effects === r.answered && r.distinct === r.answered);
    console.log(
      `| ${mode} | ${rows[mode].toFixed(0)} | ${median(mine.map((r) => r.p50)).toFixed(1)} | ${median(mine.map((r) => r.p99)).toFixed(1)} | ${median(mine.map((r) => r.drainSeconds)).toFixed(1)} | ${exact ? "yes" : "NO"} |`,
    );
  }
  console.log(`\napart / together ingest throughput: ${(rows.apart / rows.together).toFixed(2)}×`);
} finally {
  await admin.end();
  await server.stop();
}
