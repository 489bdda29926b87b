import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { misskeyDelivery } from "../../lib/testing/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { post, spawnTs, until, type Child } from "../helpers/child-process.js";

// Ingest and workers apart, for real: 2 HTTP ingest processes hand deliveries to BullMQ, 2
// worker processes (no HTTP) run the listener; one worker is SIGKILLed mid-load.
const QUEUE = "webhooks";
let redis: RedisServer;
let client: Redis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.port, "127.0.0.1");
}, 20_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  client.disconnect();
  await redis.stop();
});

const env = () => ({ REDIS_PORT: String(redis.port), QUEUE });

async function start(script: string, extra: Record<string, string>, ready: RegExp): Promise<Child & { port: number }> {
  const child = await spawnTs(script, { ...env(), ...extra }, ready);
  children.push(child.process);
  return { ...child, port: Number(/\d+/.exec(child.line)?.[0] ?? 0) };
}

const worker = (name: string) => start("bullmq-worker.ts", { NAME: name, WORK_MS: "50" }, /ready/);

test("500 deliveries (and resends) through 2 ingest processes to 2 workers, one SIGKILLed mid-load: every effect at least once, doubles only from the killed worker, nothing lost", async () => {
  const [a, b, ...ingest] = await Promise.all([
    worker("a"),
    worker("b"),
    ...[1, 2].map(() => start("bullmq-ingest.ts", {}, /listening \d+/)),
  ]);
  const ports = ingest.map(({ port }) => port);
  const deliveries = Array.from({ length: 500 }, () => misskeyDelivery("note", { secret: "s3cret" }));
  // Every tenth is sent again, to the other ingest process, as a provider's resend would be.
  const sends = deliveries.flatMap(
    (d, i) =>
      (i % 10 === 0
        ? [
            [d, i],
            [d, i + 1],
          ]
        : [[d, i]]) as [Delivery, number][],
  );
  const answers: { status: number; body: string }[] = [];
  let next = 0;
  let killed = false;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < sends.length) {
        const [d, i] = sends[next++]!;
        answers.push(await post(ports[i % 2]!, d));
        if (!killed && answers.length >= sends.length * 0.4) {
          killed = true;
          // Mid-load, with jobs under way in it: no goodbye, its locks simply stop being renewed.
          a.process.kill("SIGKILL");
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  expect(killed).toBe(true);
  expect(answers.map((answer) => answer.status)).toEqual(Array(sends.length).fill(200));
  // A resend is a duplicate, whichever process it reaches (the job may have run already).
  expect(answers.filter((answer) => JSON.parse(answer.body).duplicate === true)).toHaveLength(sends.length - deliveries.length);

  const ids = deliveries.map((d) => d.payload.eventId);
  const effects = async (): Promise<number[]> => (await client.mget(...ids.map((id) => `effect:${id}`))).map(Number);
  // The surviving worker takes the dead one's jobs once their locks run out (stalled check).
  await until(async () => (await effects()).every((n) => n >= 1), 30_000, "every delivery's effect");
  const queue = new Queue(QUEUE, { connection: { host: "127.0.0.1", port: redis.port } });
  try {
    await until(async () => (await queue.getJobCounts("completed")).completed === deliveries.length, 10_000, "every job completed");
    expect(await queue.getJobCounts("waiting", "active", "delayed", "failed")).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  } finally {
    await queue.close();
  }

  const counts = await effects();
  const starts = (await client.lrange("starts", 0, -1)).map((line) => line.split(" ") as [string, string]);
  const startedIn = (name: string) => new Set(starts.filter(([who]) => who === name).map(([, id]) => id));
  const doubles = ids.filter((_, i) => counts[i]! > 1);
  // Jobs under way in the killed worker were run again by the other: BullMQ's stalled check.
  const recovered = [...startedIn("a")].filter((id) => startedIn("b").has(id));
  // The counts behind the closing note, for whoever runs this by hand.
  mkdirSync(join(__dirname, "artifacts"), { recursive: true });
  const summary = {
    sent: sends.length,
    ingestPerSecond: Math.round(sends.length / seconds),
    startedInKilled: startedIn("a").size,
    startedInSurvivor: startedIn("b").size,
    recovered: recovered.length,
    doubled: doubles.length,
  };
  writeFileSync(join(__dirname, "artifacts", "bullmq-workers-apart.json"), `${JSON.stringify(summary, null, 2)}\n`);
  expect(recovered.length).toBeGreaterThan(0);
  expect(startedIn("b").size).toBeGreaterThan(0);
  expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  // A double is a job the killed worker ran to its effect but died before BullMQ marked it done.
  const killedJobs = startedIn("a");
  expect(doubles.filter((id) => !killedJobs.has(id))).toEqual([]);
  expect(doubles.length).toBeLessThanOrEqual(8); // at most its concurrency
  expect(b.process.exitCode).toBeNull();
}, 60_000);
