import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { createMisskeyReceiver } from "../../lib/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { post, spawnTs, until, type Child } from "../helpers/child-process.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";

// Issue 16, items 2 and 4: real processes on one real PostgreSQL, killed for real. The
// application's own table counts the effects: exactly one per delivery, none lost.

const secret = "s3cret";
let server: PostgresServer;
let admin: pg.Pool;
const children = new Set<Child>();
const inboxes: PostgresInbox[] = [];

beforeAll(async () => {
  server = await startPostgresServer();
  admin = new pg.Pool({ connectionString: server.url, max: 2 });
}, 60_000);

afterEach(async () => {
  for (const child of children) child.process.kill("SIGKILL");
  await Promise.all([...children].map((child) => child.exited));
  children.clear();
  await Promise.all(inboxes.splice(0).map((inbox) => inbox.close()));
});

afterAll(async () => {
  await admin.end();
  await server.stop();
});

/** A fresh inbox table and effects table for one run. */
async function prepare(run: string): Promise<{ env: Record<string, string>; inbox: PostgresInbox; effects: string }> {
  const table = `inbox_${run}`;
  const effects = `effects_${run}`;
  const inbox = new PostgresInbox({ connectionString: server.url, table, transactional: true });
  inboxes.push(inbox);
  await inbox.createSchema();
  // No unique constraint: a doubled effect must be countable, not refused.
  await admin.query(`CREATE TABLE ${effects} (delivery_id text NOT NULL, pid int NOT NULL)`);
  return { env: { PG_URL: server.url, TABLE: table, EFFECTS: effects }, inbox, effects };
}

async function start(env: Record<string, string>, role: "ingest" | "worker"): Promise<Child & { port: number }> {
  const child = await spawnTs("postgres-tier.ts", { ...env, ROLE: role }, role === "worker" ? /working/ : /listening \d+/);
  children.add(child);
  return { ...child, port: Number(/\d+/.exec(child.line)?.[0] ?? 0) };
}

async function kill(child: Child): Promise<void> {
  child.process.kill("SIGKILL");
  await child.exited;
  children.delete(child);
}

/** Effects per delivery id, from the application's table. */
async function effectsOf(effects: string): Promise<Map<string, number>> {
  const { rows } = await admin.query<{ id: string; n: number }>(
    `SELECT delivery_id AS id, count(*)::int AS n FROM ${effects} GROUP BY delivery_id`,
  );
  return new Map(rows.map((row) => [row.id, row.n]));
}

function tally(ids: readonly string[], counts: Map<string, number>) {
  return {
    deliveries: ids.length,
    effects: [...counts.values()].reduce((a, b) => a + b, 0),
    lost: ids.filter((id) => !counts.has(id)).length,
    doubled: [...counts.values()].filter((n) => n > 1).length,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RUNS = Number(process.env["EXACTLY_ONCE_RUNS"] ?? 6);
const DELIVERIES = 500;
const results: Record<string, unknown>[] = [];

afterAll(() => {
  // The counts behind the closing note, for whoever runs this by hand.
  mkdirSync(join(__dirname, "artifacts"), { recursive: true });
  writeFileSync(join(__dirname, "artifacts", "postgres-exactly-once.json"), `${JSON.stringify(results, null, 2)}\n`);
});

test(`workers SIGKILLed at random points, ${RUNS} runs of ${DELIVERIES} deliveries: exactly one effect per delivery, none lost`, async () => {
  for (let run = 1; run <= RUNS; run++) {
    const { env, inbox, effects } = await prepare(`kill_${run}`);
    const ingest = createMisskeyReceiver({ secret, logger: false, inbox: { store: inbox, ingestOnly: true } });
    const ids: string[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const d = misskeyDelivery("note", { secret });
      ids.push(d.payload.eventId);
      expect((await ingest.receive(d)).status).toBe(200);
    }
    await ingest.close();

    // Listeners sleep inside their transaction and every 13th call throws after writing: a
    // kill lands before, inside and after transactions, and failures roll back too.
    const workerEnv = { ...env, LEASE_MS: "300", CONCURRENCY: "4", WORK_MS_MAX: "80", FAIL_EVERY: "13" };
    const workers = await Promise.all([start(workerEnv, "worker"), start(workerEnv, "worker")]);
    let kills = 0;
    const allDone = async () => (await inbox.counts()).done === DELIVERIES;
    const deadline = Date.now() + 120_000;
    while (!(await allDone())) {
      if (Date.now() > deadline) throw new Error(`run ${run}: not done in time: ${JSON.stringify(await inbox.counts())}`);
      await sleep(150 + Math.random() * 300);
      if ((await inbox.counts()).pending === 0) continue;
      const [victim] = workers.splice(Math.floor(Math.random() * workers.length), 1);
      await kill(victim!);
      kills += 1;
      workers.push(await start(workerEnv, "worker"));
    }
    const counts = tally(ids, await effectsOf(effects));
    // Deliveries run more than once (a killed attempt, or a listener failure): each rolled back.
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${env["TABLE"]!} WHERE attempts > 1`);
    results.push({ test: "kill", run, kills, rerun: rows[0]?.n, ...counts });
    expect(kills).toBeGreaterThan(0);
    expect(counts).toEqual({ deliveries: DELIVERIES, effects: DELIVERIES, lost: 0, doubled: 0 });
    await Promise.all(workers.map(kill));
  }
}, 600_000);

test("2 ingest and 2 worker processes on one PostgreSQL, one worker killed mid-load: every delivery once", async () => {
  const { env, inbox, effects } = await prepare("apart");
  const [a, b] = await Promise.all([start(env, "ingest"), start(env, "ingest")]);
  const workerEnv = { ...env, LEASE_MS: "500", CONCURRENCY: "4", WORK_MS_MAX: "10" };
  const workers = await Promise.all([start(workerEnv, "worker"), start(workerEnv, "worker")]);
  const deliveries = Array.from({ length: DELIVERIES }, () => misskeyDelivery("note", { secret }));
  const ids = deliveries.map((d) => d.payload.eventId);
  const answers: number[] = [];
  let duplicates = 0;
  let next = 0;
  const started = performance.now();
  // 16 senders at once, over both ingest processes; every 10th delivery is sent twice.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < deliveries.length) {
        const index = next++;
        const d = deliveries[index]!;
        if (index === Math.floor(DELIVERIES / 3)) await kill(workers[0]);
        const answer = await post(index % 2 ? a.port : b.port, d);
        answers.push(answer.status);
        if (index % 10 === 0) {
          const resend = await post(index % 2 ? b.port : a.port, d);
          expect(resend.status).toBe(200);
          if ((JSON.parse(resend.body) as { duplicate?: boolean }).duplicate) duplicates += 1;
        }
      }
    }),
  );
  const ingestSeconds = (performance.now() - started) / 1000;
  expect(answers.filter((status) => status !== 200)).toEqual([]);
  expect(duplicates).toBe(DELIVERIES / 10);
  await until(async () => (await inbox.counts()).done === DELIVERIES, 60_000, "every delivery done by the surviving worker");
  const counts = tally(ids, await effectsOf(effects));
  results.push({ test: "apart", ...counts, duplicates, ingestPerSecond: Math.round((DELIVERIES * 1.1) / ingestSeconds) });
  expect(counts).toEqual({ deliveries: DELIVERIES, effects: DELIVERIES, lost: 0, doubled: 0 });
}, 180_000);
