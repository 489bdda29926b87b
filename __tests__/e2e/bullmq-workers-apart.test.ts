import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { misskeyDelivery } from "../../lib/testing/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";

// Ingest and workers apart, for real: 2 HTTP ingest processes hand deliveries to BullMQ, 2
// worker processes (no HTTP) run the listener; one worker is SIGKILLed mid-load.
const root = join(__dirname, "..", "..");
const tsRequire = join(root, "__tests__", "helpers", "ts-require.cjs");
const processes = join(root, "__tests__", "bullmq", "processes");
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

function start(script: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ["-r", tsRequire, "-e", `require(${JSON.stringify(join(processes, script))})`], {
    cwd: root,
    env: { ...process.env, REDIS_PORT: String(redis.port), QUEUE, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once("exit", (code) => {
      reject(new Error(`${script} exited early (${code})`));
    });
  });
}

function post(port: number, d: Delivery): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path: "/hooks/misskey", method: "POST", headers: d.headers, agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on("error", reject);
    req.end(d.body);
  });
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const worker = (name: string) => start("worker.ts", { NAME: name, WORK_MS: "50" }, /ready/);

test("500 deliveries (and resends) through 2 ingest processes to 2 workers, one SIGKILLed mid-load: every effect at least once, doubles only from the killed worker, nothing lost", async () => {
  const [a, b, ...ingest] = await Promise.all([worker("a"), worker("b"), ...[1, 2].map(() => start("ingest.ts", {}, /listening (\d+)/))]);
  const ports = ingest.map(({ match }) => Number(match[1]));
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
          a.child.kill("SIGKILL");
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `ingest: ${sends.length} deliveries answered in ${seconds.toFixed(2)} s by 2 processes (${Math.round(sends.length / seconds)}/s)`,
  );
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
  console.log(`worker a (killed) started ${startedIn("a").size}, worker b ${startedIn("b").size}; ${doubles.length} effects doubled`);
  // Jobs under way in the killed worker were run again by the other: BullMQ's stalled check.
  const recovered = [...startedIn("a")].filter((id) => startedIn("b").has(id));
  console.log(`${recovered.length} jobs under way in the killed worker were run again by the other`);
  expect(recovered.length).toBeGreaterThan(0);
  expect(startedIn("b").size).toBeGreaterThan(0);
  expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  // A double is a job the killed worker ran to its effect but died before BullMQ marked it done.
  const killedJobs = startedIn("a");
  expect(doubles.filter((id) => !killedJobs.has(id))).toEqual([]);
  expect(doubles.length).toBeLessThanOrEqual(8); // at most its concurrency
  expect(b.child.exitCode).toBeNull();
}, 60_000);
