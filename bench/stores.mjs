#!/usr/bin/env node
// `npm run bench:stores` (also the last part of `npm run bench`): what keeping a delivery
// costs, per store, measured in one run with interleaved rounds. Each delivery is one
// Misskey note through `receiver.receive()` with ack after dispatch and an empty listener,
// one at a time, so the time is the store's own round trips: add, then done (a transaction
// of four statements for transactional PostgreSQL). For BullMQ the answer comes once the
// job is stored; "done" is when a worker in this process has run it.
//
// Real servers of our own on loopback: redis-server (no persistence, and `appendfsync
// always`) and PostgreSQL 15 (fsync on, as in production). Env: BENCH_STORES_ROUNDS
// (default 5), BENCH_STORES_N (deliveries per store and round, default 300).
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Queue } from "bullmq";
import { createMisskeyReceiver, MemoryInbox, RedisInbox, SqliteInbox } from "express-webhook-receivers";
import { PostgresInbox } from "express-webhook-receivers/postgres";
import { BullmqHandoff, createBullmqWorker } from "express-webhook-receivers/bullmq";
import { misskeyDelivery } from "express-webhook-receivers/testing";

const require = createRequire(import.meta.url);
require("../__tests__/helpers/ts-require.cjs");
const { startPostgresServer } = require("../__tests__/helpers/postgres-server.ts");
const { startRedisServer } = require("../__tests__/helpers/redis-server.ts");

const ROUNDS = Number(process.env.BENCH_STORES_ROUNDS ?? 5);
const N = Number(process.env.BENCH_STORES_N ?? 300);
const secret = "s3cret";
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

/** Each store: a receiver to measure, and how to tell a delivery is done. */
async function setUp(servers, dir) {
  const redis = new Redis(servers.redis.url);
  const redisAlways = new Redis(servers.redisAlways.url);
  const queue = new Queue("bench-stores", { connection: { host: "127.0.0.1", port: servers.redis.port } });
  const pgPlain = new PostgresInbox({ connectionString: servers.pg.url, table: "bench_plain" });
  const pgTx = new PostgresInbox({ connectionString: servers.pg.url, table: "bench_tx", transactional: true });
  await pgPlain.createSchema();
  await pgTx.createSchema();
  const jobsDone = new Map();
  const workerReceiver = createMisskeyReceiver({ secret }).on("note", (e) => {
    jobsDone.get(e.id)?.();
  });
  const worker = createBullmqWorker(workerReceiver, {
    connection: { host: "127.0.0.1", port: servers.redis.port },
    queue: "bench-stores",
    concurrency: 8,
  });
  await worker.waitUntilReady();
  const inbox = (store) => createMisskeyReceiver({ secret, inbox: store, logger: false });
  const stores = [
    { id: "no inbox (memory dedupe)", receiver: createMisskeyReceiver({ secret }) },
    { id: "MemoryInbox", receiver: inbox(new MemoryInbox()) },
    { id: "SqliteInbox FULL", receiver: inbox(new SqliteInbox({ path: join(dir, "full.sqlite") })), baseline: true },
    { id: "SqliteInbox NORMAL", receiver: inbox(new SqliteInbox({ path: join(dir, "normal.sqlite"), synchronous: "NORMAL" })) },
    { id: "RedisInbox", receiver: inbox(new RedisInbox(redis, { prefix: "{bench-a}" })) },
    { id: "RedisInbox, appendfsync always", receiver: inbox(new RedisInbox(redisAlways, { prefix: "{bench-b}" })) },
    { id: "PostgresInbox", receiver: inbox(pgPlain) },
    { id: "PostgresInbox, transactional", receiver: inbox(pgTx), transaction: pgTx },
    {
      id: "BullmqHandoff (answer: job stored)",
      receiver: createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue) }),
      done: (id) => new Promise((resolve) => jobsDone.set(id, resolve)),
    },
  ];
  for (const store of stores) {
    if (store.transaction) {
      const tx = store.transaction;
      // The listener touches its transaction, as an application's would.
      store.receiver.on("note", (e) => tx.transactionOf(e).query("SELECT 1"));
    } else store.receiver.on("note", () => {});
  }
  const close = async () => {
    await Promise.all(stores.map((s) => s.receiver.close()));
    await worker.close();
    await queue.close();
    await Promise.all([pgPlain.close(), pgTx.close()]);
    redis.disconnect();
    redisAlways.disconnect();
  };
  return { stores, close };
}

async function measure(store, count, times) {
  for (let i = 0; i < count; i++) {
    const d = misskeyDelivery("note", { secret });
    const request = { method: "POST", headers: d.headers, body: Buffer.from(d.body) };
    const done = store.done?.(d.payload.eventId);
    const started = process.hrtime.bigint();
    const answer = await store.receiver.receive(request);
    const answered = Number(process.hrtime.bigint() - started) / 1e6;
    if (answer.status !== 200) throw new Error(`${store.id} answered ${answer.status} ${answer.body}`);
    if (done) await done;
    const finished = Number(process.hrtime.bigint() - started) / 1e6;
    times?.answered.push(answered);
    times?.done.push(finished);
  }
}

export async function runStores() {
  const dir = mkdtempSync(join(tmpdir(), "ewr-bench-stores-"));
  const servers = {
    redis: await startRedisServer(),
    redisAlways: await startRedisServer({ persistent: true }),
    pg: await startPostgresServer({ fsync: true }),
  };
  const { stores, close } = await setUp(servers, dir);
  try {
    console.log(`\n# Cost per delivery, by store — ${new Date().toISOString()}`);
    console.log(
      `${ROUNDS} interleaved rounds × ${N} deliveries per store, one at a time (Misskey note, ack after dispatch, empty listener)\n`,
    );
    const times = new Map(stores.map((s) => [s.id, { answered: [], done: [] }]));
    for (const store of stores) await measure(store, 50); // warm-up: compile paths, fill pools
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...stores].reverse() : stores;
      for (const store of order) await measure(store, N, times.get(store.id));
    }
    const baseline = times.get(stores.find((s) => s.baseline).id).answered.sort((a, b) => a - b);
    const baseMedian = percentile(baseline, 50);
    console.log("| store | answered, median ms | p99 ms | done, median ms | p99 ms | median vs SqliteInbox FULL |");
    console.log("|---|---|---|---|---|---|");
    for (const store of stores) {
      const t = times.get(store.id);
      const answered = t.answered.sort((a, b) => a - b);
      const done = t.done.sort((a, b) => a - b);
      const cells = [percentile(answered, 50), percentile(answered, 99), percentile(done, 50), percentile(done, 99)].map((v) =>
        v.toFixed(3),
      );
      console.log(`| ${store.id} | ${cells.join(" | ")} | ${(percentile(answered, 50) / baseMedian).toFixed(2)}× |`);
    }
  } finally {
    await close();
    await Promise.all([servers.redis.stop(), servers.redisAlways.stop(), servers.pg.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runStores();
  process.exit(0);
}
