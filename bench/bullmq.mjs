#!/usr/bin/env node
// BullMQ hand-off costs, against a redis-server of our own (Debian's /usr/bin/redis-server):
// 1. receive() latency per delivery (median, p99 over BENCH_BULLMQ_N deliveries, one at a
//    time) without and with `queue: new BullmqHandoff(queue)`: the hand-off's own cost.
// 2. Ingest and workers apart: 2 HTTP ingest processes answering BENCH_BULLMQ_LOAD
//    deliveries sent 64 at a time, while 2 worker processes run the (empty) listener;
//    deliveries/s answered, and how long the workers took to finish every job.
// Needs `npm run build` first (it imports the package as users do).
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { createMisskeyReceiver } from "express-webhook-receivers";
import { BullmqHandoff } from "express-webhook-receivers/bullmq";
import { misskeyDelivery } from "express-webhook-receivers/testing";

const N = Number(process.env.BENCH_BULLMQ_N ?? 2000);
const LOAD = Number(process.env.BENCH_BULLMQ_LOAD ?? 4000);
const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
require("../__tests__/helpers/ts-require.cjs");
const { startRedisServer } = require("../__tests__/helpers/redis-server.ts");
const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function run(args, ready, env = {}) {
  const child = spawn(args[0], args.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ").slice(0, 60)} exited (${code})`)));
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const ms = (n) => n.toFixed(3);

async function latencies(receiver, text) {
  receiver.on("note", () => {});
  const deliveries = Array.from({ length: N }, () => misskeyDelivery("note", { secret: "s", overrides: { body: { note: { text } } } }));
  // Warm-up: compile the paths once.
  for (const d of deliveries.slice(0, 200)) await receiver.receive({ ...d, body: Buffer.from(d.body) });
  const times = [];
  for (const d of deliveries.slice(200)) {
    const body = Buffer.from(d.body);
    const started = process.hrtime.bigint();
    const answer = await receiver.receive({ method: "POST", headers: d.headers, body });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (answer.status !== 200) throw new Error(`answered ${answer.status} ${answer.body}`);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), p99: percentile(times, 99) };
}

const INGEST = `
  import express from "express";
  import { Queue } from "bullmq";
  import { createMisskeyReceiver } from "express-webhook-receivers";
  import { BullmqHandoff } from "express-webhook-receivers/bullmq";
  const queue = new Queue("bench", { connection: { host: "127.0.0.1", port: Number(process.env.REDIS_PORT) } });
  const receiver = createMisskeyReceiver({ secret: "s", queue: new BullmqHandoff(queue) });
  const app = express();
  app.use("/hooks/misskey", receiver.router);
  await queue.waitUntilReady();
  const server = app.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));`;
const WORKER = `
  import { createMisskeyReceiver } from "express-webhook-receivers";
  import { createBullmqWorker } from "express-webhook-receivers/bullmq";
  const receiver = createMisskeyReceiver({ secret: "s" }).on("note", () => {});
  const worker = createBullmqWorker(receiver, { connection: { host: "127.0.0.1", port: Number(process.env.REDIS_PORT) }, queue: "bench", concurrency: 16 });
  await worker.waitUntilReady();
  console.log("ready");`;

function post(agent, port, d) {
  return new Promise((resolve, reject) => {
    const req = request({ agent, port, host: "127.0.0.1", path: "/hooks/misskey", method: "POST", headers: d.headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end(d.body);
  });
}

async function main() {
  // The tests' own redis-server starter: a free loopback port, no persistence.
  const redis = await startRedisServer();
  const redisPort = redis.port;
  const connection = { host: "127.0.0.1", port: redisPort };
  try {
    const rows = [];
    for (const [label, text] of [
      ["1 KB", "x".repeat(600)],
      ["64 KB", "x".repeat(64 * 1024)],
    ]) {
      const plain = await latencies(createMisskeyReceiver({ secret: "s" }), text);
      const queue = new Queue(`latency-${label.replace(" ", "")}`, { connection });
      const handed = await latencies(createMisskeyReceiver({ secret: "s", queue: new BullmqHandoff(queue) }), text);
      await queue.obliterate({ force: true });
      await queue.close();
      rows.push(
        `| ${label} note | ${ms(plain.median)} / ${ms(plain.p99)} | ${ms(handed.median)} / ${ms(handed.p99)} | ${ms(handed.median - plain.median)} |`,
      );
    }
    console.log(`receive() latency, ms, median / p99 over ${N - 200} deliveries one at a time\n`);
    console.log("| Delivery | no queue (listener runs) | BullmqHandoff (job stored) | hand-off cost (median) |");
    console.log("|---|---|---|---|");
    for (const row of rows) console.log(row);

    const env = { REDIS_PORT: String(redisPort) };
    const ingest = await Promise.all(
      [1, 2].map(() => run([process.execPath, "--input-type=module", "-e", INGEST], /listening (\d+)/, env)),
    );
    const ports = ingest.map(({ match }) => Number(match[1]));
    await Promise.all([1, 2].map(() => run([process.execPath, "--input-type=module", "-e", WORKER], /ready/, env)));
    const deliveries = Array.from({ length: LOAD }, () => misskeyDelivery("note", { secret: "s" }));
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < deliveries.length) {
          const i = next++;
          const status = await post(agent, ports[i % 2], deliveries[i]);
          if (status !== 200) throw new Error(`answered ${status}`);
        }
      }),
    );
    const answered = (performance.now() - started) / 1000;
    const queue = new Queue("bench", { connection });
    while ((await queue.getJobCounts("completed")).completed < LOAD) await new Promise((resolve) => setTimeout(resolve, 20));
    const worked = (performance.now() - started) / 1000;
    await queue.close();
    agent.destroy();
    console.log(`\nIngest and workers apart (2 ingest + 2 worker processes, one Redis, ${LOAD} deliveries, 64 at a time)\n`);
    console.log(`- answered: ${Math.round(LOAD / answered)} deliveries/s (${answered.toFixed(2)} s)`);
    console.log(`- every job completed by the workers after ${worked.toFixed(2)} s (${Math.round(LOAD / worked)} jobs/s)`);
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await redis.stop();
  }
}

await main();
process.exit(0);
