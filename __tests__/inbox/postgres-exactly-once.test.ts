import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { newRecord } from "./new-record.js";

// Issue 16 item 2 at the store's level: worker processes running records with
// runInTransaction are SIGKILLed at random points, again and again; whatever the point,
// each record's effect is committed with its "done" or not at all, and a record whose
// worker died is run once more, in a fresh transaction, after its lease runs out.
let server: PostgresServer;
let pool: pg.Pool;
beforeAll(async () => {
  server = await startPostgresServer();
  pool = new pg.Pool({ connectionString: server.url });
}, 60_000);
afterAll(async () => {
  await pool.end();
  await server.stop();
});

const WORKER = join(__dirname, "workers", "postgres-transactional-worker.ts");
const HOOK = join(__dirname, "..", "helpers", "ts-require.cjs");

/** A worker process, and a promise of the records it reports committed so far. */
function startWorker(table: string): { child: ChildProcess; committed(): number; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["-r", HOOK, "-e", `require(${JSON.stringify(WORKER)})`, server.url, table], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let dots = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (dots += chunk.toString().length));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      if (code !== null && code !== 0) console.error(stderr);
      resolve(code);
    });
  });
  return { child, committed: () => dots, exited };
}

test("500 records, two worker processes SIGKILLed at random many times: every effect exactly once, every record done", async () => {
  const table = "exactly_once";
  const inbox = new PostgresInbox({ pool, table });
  await inbox.createSchema();
  await pool.query("CREATE TABLE effects (key text NOT NULL, pid integer NOT NULL)");
  const records = Array.from({ length: 500 }, () => newRecord());
  const now = Date.now();
  for (const record of records) await inbox.add(record, { leaseMs: -1, now });

  let kills = 0;
  const deadline = Date.now() + 90_000;
  const slot = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const worker = startWorker(table);
      // Killed after a random number of commits (0 to 24); after 30 kills, left to finish.
      const target = kills >= 30 ? Infinity : Math.floor(Math.random() * 25);
      const done = await Promise.race([
        worker.exited.then((code) => ({ code })),
        (async () => {
          while (worker.committed() < target && worker.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
          return undefined;
        })(),
      ]);
      if (done !== undefined) {
        expect(done.code).toBe(0);
        return;
      }
      worker.child.kill("SIGKILL");
      await worker.exited;
      kills++;
    }
    throw new Error("the workers did not finish in 90 s");
  };
  await Promise.all([slot(), slot()]);
  // A worker that finished may have left a record leased by a killed one: drain the rest.
  while ((await inbox.counts()).pending > 0) await Promise.all([slot()]);

  const { rows } = await pool.query<{ key: string; n: number }>("SELECT key, count(*)::int AS n FROM effects GROUP BY key");
  const effects = new Map(rows.map((row) => [row.key, row.n]));
  expect([...effects.values()].filter((n) => n !== 1)).toEqual([]);
  const counts = await inbox.counts();
  const failed = await inbox.list({ status: "failed", limit: 1000 });
  expect(counts).toEqual({ pending: 0, failed: failed.length, done: 500 - failed.length });
  // Done records have their effect; failed ones (listeners that threw) have none.
  const done = await inbox.list({ status: "done", limit: 1000 });
  expect(done.filter((r) => effects.get(r.key) !== 1)).toEqual([]);
  expect(failed.filter((r) => effects.has(r.key))).toEqual([]);
  expect(effects.size).toBe(done.length);
  expect(kills).toBeGreaterThanOrEqual(30);
  // Records leased again after a kill (or a listener failure): run again, still one effect.
  const rerun = done.filter((r) => r.attempts > 2).length;
  expect(rerun).toBeGreaterThan(0);
  console.info(
    `exactly once: ${kills} SIGKILLs, ${done.length} done with one effect each (${rerun} run more than once), ${failed.length} failed with none`,
  );
}, 120_000);
