// A worker process for postgres-exactly-once.test.ts: leases due records and runs each in
// runInTransaction, its "effect" (a row) written through transactionOf. Prints one "."
// per committed record, and exits 0 once nothing is pending. The test SIGKILLs it.
import pg from "pg";
import { PostgresInbox } from "../../../lib/inbox/postgres.js";

const [url, table] = process.argv.slice(-2) as [string, string];
const pool = new pg.Pool({ connectionString: url, max: 6 });
const inbox = new PostgresInbox({ pool, table, transactional: true });

async function runOne(key: string): Promise<void> {
  const event = { key };
  try {
    const ran = await inbox.runInTransaction!(
      key,
      event,
      async () => {
        await inbox.transactionOf(event).query("INSERT INTO effects (key, pid) VALUES ($1, $2)", [key, process.pid]);
        // Some work after the write, so that kills land inside transactions too.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        if (Math.random() < 0.05) throw new Error("listener failed");
      },
      { now: Date.now() },
    );
    if (ran) process.stdout.write(".");
  } catch (error) {
    await inbox.fail(key, { error: String(error), retryAt: Date.now() + 20, now: Date.now() });
  }
}

async function main(): Promise<void> {
  for (;;) {
    const records = await inbox.leaseDue({ limit: 6, leaseMs: 400, now: Date.now() });
    if (records.length === 0) {
      if ((await inbox.counts()).pending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 30));
      continue;
    }
    await Promise.all(records.map((record) => runOne(record.key)));
  }
  await pool.end();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
