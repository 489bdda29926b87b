import pg from "pg";
import { createMisskeyReceiver } from "../../lib/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { postgresInboxSchema } from "../../lib/inbox/postgres-schema.js";
import { isRecordFailure } from "../../lib/inbox/store-failure.js";
import { isUnstorableRecordError } from "../../lib/inbox/unstorable.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { describeInboxContract } from "./contract.js";
import { newRecord } from "./new-record.js";

let server: PostgresServer;
const pools: pg.Pool[] = [];
let tables = 0;

beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await server.stop();
});

function pool(): pg.Pool {
  const made = new pg.Pool({ connectionString: server.url, max: 5 });
  pools.push(made);
  return made;
}

const LEASE = 30_000;
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

// Two pools, as two instances behind a load balancer would have; a fresh table per test.
describeInboxContract("PostgresInbox", async (options) => {
  const table = `contract_${++tables}`;
  const store = new PostgresInbox({ connectionString: server.url, table, ...options });
  const twin = new PostgresInbox({ connectionString: server.url, table, ...options });
  await store.createSchema();
  return { store, twin };
});

describe("PostgresInbox schema", () => {
  test("createSchema is idempotent: twice in a row, and six times at once from two pools", async () => {
    const one = new PostgresInbox({ pool: pool(), table: "schema_twice" });
    await one.createSchema();
    await one.add(newRecord(), { leaseMs: LEASE, now: Date.now() });
    await one.createSchema();
    expect((await one.counts()).pending).toBe(1);
    const [a, b] = [pool(), pool()];
    const inboxes = Array.from({ length: 6 }, (_, i) => new PostgresInbox({ pool: i % 2 ? a : b, table: "app_concurrent.inbox" }));
    await Promise.all(inboxes.map((inbox) => inbox.createSchema()));
    expect(await inboxes[0]!.counts()).toEqual({ pending: 0, failed: 0, done: 0 });
  });

  test.each([
    ['"myschema"."webhook_inbox"', "myschema", "webhook_inbox"],
    ["App.Webhook_Inbox", "app", "webhook_inbox"],
    ['"Odd ""Name"""', "public", 'Odd "Name"'],
  ])("table %s is created and used as %s.%s", async (table, schema, name) => {
    const p = pool();
    const inbox = new PostgresInbox({ pool: p, table });
    await inbox.createSchema();
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now: Date.now() });
    const { rows } = await p.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
      [schema, name],
    );
    expect(rows[0]!.n).toBe(1);
    expect((await inbox.get(record.key))?.key).toBe(record.key);
    expect(postgresInboxSchema({ table })).toContain("CREATE TABLE IF NOT EXISTS");
  });

  test.each(['x"; DROP TABLE y; --', "1abc", "a.b.c", "", '""', '"unterminated', "a b", "a.", ".a", "x".repeat(60)])(
    "refuses the table name %j",
    (table) => {
      expect(() => new PostgresInbox({ pool: pool(), table })).toThrow(TypeError);
    },
  );

  test("postgresInboxSchema() is the SQL createSchema runs, with text (not jsonb) payloads and bigint times", () => {
    const sql = postgresInboxSchema();
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "ewr_inbox"');
    expect(sql).toMatch(/payload +text,/);
    expect(sql).toMatch(/received_at +bigint NOT NULL/);
    expect(sql).toContain('CREATE INDEX IF NOT EXISTS "ewr_inbox_due" ON "ewr_inbox" (status, next_attempt_at)');
    expect(postgresInboxSchema({ table: "app.inbox" })).toMatch(/^CREATE SCHEMA IF NOT EXISTS "app";/);
  });

  test("a missing table is an error saying to call createSchema", async () => {
    const inbox = new PostgresInbox({ pool: pool(), table: "never_created" });
    const error = await failure(inbox.add(newRecord(), { leaseMs: LEASE, now: Date.now() }));
    expect(String(error)).toContain("The inbox table never_created does not exist: call `await inbox.createSchema()`");
    expect(isRecordFailure(error)).toBe(false);
  });

  test("needs exactly one of pool and connectionString", () => {
    expect(() => new PostgresInbox({})).toThrow("PostgresInbox needs either `pool` (a pg.Pool) or `connectionString`, not both.");
    expect(() => new PostgresInbox({ pool: pool(), connectionString: server.url })).toThrow(/either `pool`/);
    // @ts-expect-error: a URL is not a pool
    expect(() => new PostgresInbox({ pool: server.url })).toThrow("`pool` must be a pg.Pool");
    expect(() => new PostgresInbox({ pool: pool(), retainMs: 0 })).toThrow("retainMs must be a positive integer");
    expect(() => new PostgresInbox({ pool: pool(), transactional: true, lockTimeoutMs: 0 })).toThrow(
      "lockTimeoutMs must be a positive integer",
    );
  });
});

describe("PostgresInbox records", () => {
  let inbox: PostgresInbox;
  let p: pg.Pool;
  beforeAll(async () => {
    p = pool();
    inbox = new PostgresInbox({ pool: p, table: "records" });
    await inbox.createSchema();
  });

  test("payload and meta are kept as the exact JSON text given (key order, \\u0000 inside strings)", async () => {
    const record = newRecord({ payload: { z: 1, a: "nul\u0000 inside", m: [{ y: 1, b: 2 }] } });
    await inbox.add(record, { leaseMs: LEASE, now: Date.now() });
    const { rows } = await p.query<{ payload: string }>("SELECT payload FROM records WHERE key = $1", [record.key]);
    expect(rows[0]!.payload).toBe(JSON.stringify(record.payload));
    expect((await inbox.get(record.key))?.payload).toEqual(record.payload);
  });

  test.each([
    ["key", { key: "misskey:a\u0000b" }],
    ["deliveryId", { deliveryId: "a\u0000b" }],
    ["name", { name: "note\u0000" }],
  ])("a NUL character in the %s is refused as unstorable (422), not as an outage", async (_, overrides) => {
    const record = newRecord(overrides);
    const error = await failure(inbox.add(record, { leaseMs: LEASE, now: Date.now() }));
    expect(isUnstorableRecordError(error)).toBe(true);
    expect(isRecordFailure(error)).toBe(true);
    expect(String(error)).toContain("SQLSTATE 22021");
  });

  test("a key too large for its index is refused as unstorable", async () => {
    const key = `misskey:${Array.from({ length: 400_000 }, () => Math.random().toString(36).slice(2, 3)).join("")}`;
    const error = await failure(inbox.add(newRecord({ key }), { leaseMs: LEASE, now: Date.now() }));
    expect(isUnstorableRecordError(error)).toBe(true);
    expect(String(error)).toContain("SQLSTATE 54000");
  });

  test("an unreachable server is an outage (503), never unstorable", async () => {
    const dead = new PostgresInbox({ connectionString: "postgres://postgres@127.0.0.1:1/postgres" });
    const started = Date.now();
    const error = await failure(dead.add(newRecord(), { leaseMs: LEASE, now: Date.now() }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
    expect(isRecordFailure(error)).toBe(false);
    await dead.close();
  });

  test("ten pools leasing at once share out the records without overlap (SKIP LOCKED)", async () => {
    const now = Date.now();
    const inboxes = Array.from({ length: 10 }, () => new PostgresInbox({ pool: pool(), table: "ten" }));
    await inboxes[0]!.createSchema();
    const records = Array.from({ length: 300 }, () => newRecord());
    await Promise.all(records.map((record) => inboxes[0]!.add(record, { leaseMs: 1, now })));
    const drain = async (one: PostgresInbox) => {
      const keys: string[] = [];
      for (let batch; (batch = await one.leaseDue({ limit: 3, leaseMs: 60_000, now: now + 10 })).length > 0;) {
        keys.push(...batch.map((r) => r.key));
      }
      return keys;
    };
    const taken = (await Promise.all(inboxes.map(drain))).flat();
    expect(taken.sort()).toEqual(records.map((r) => r.key).sort());
    expect(await inboxes[1]!.counts()).toEqual({ pending: 300, failed: 0, done: 0 });
  });

  test("a record leased by a worker that crashed (its pool gone) becomes due again when the lease runs out", async () => {
    const now = Date.now();
    const crashed = new PostgresInbox({ connectionString: server.url, table: "records" });
    const record = newRecord({ provider: "crashy" });
    await inbox.add(record, { leaseMs: 1, now });
    const [leased] = await crashed.leaseDue({ limit: 5, leaseMs: LEASE, now: now + 5, provider: "crashy" });
    expect(leased).toMatchObject({ key: record.key, attempts: 2 });
    await crashed.close(); // never completed
    expect(await inbox.leaseDue({ limit: 5, leaseMs: LEASE, now: now + 5 + LEASE - 1, provider: "crashy" })).toEqual([]);
    const [again] = await inbox.leaseDue({ limit: 5, leaseMs: LEASE, now: now + 5 + LEASE, provider: "crashy" });
    expect(again).toMatchObject({ key: record.key, attempts: 3, status: "pending" });
  });
});

describe("PostgresInbox runInTransaction (transactional: true)", () => {
  let inbox: PostgresInbox<pg.Pool>;
  let p: pg.Pool;
  const now = Date.now();
  const rowsOf = async (id: string) => (await p.query("SELECT * FROM app_effects WHERE delivery = $1", [id])).rowCount;
  beforeAll(async () => {
    p = pool();
    inbox = new PostgresInbox({ pool: p, table: "tx_inbox", transactional: true });
    await inbox.createSchema();
    await p.query("CREATE TABLE app_effects (delivery text PRIMARY KEY)");
  });
  const run = (key: string, event: object, attempt: () => Promise<void>) => inbox.runInTransaction!(key, event, attempt, { now: now + 1 });
  const insertFor = (event: { id: string }) => inbox.transactionOf(event).query("INSERT INTO app_effects VALUES ($1)", [event.id]);

  test("a listener that succeeds leaves exactly one row and the record done, committed together", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const event = { id: record.key };
    expect(await run(record.key, event, () => insertFor(event).then(() => undefined))).toBe(true);
    expect(await rowsOf(record.key)).toBe(1);
    expect(await inbox.get(record.key)).toMatchObject({ status: "done", updatedAt: now + 1 });
    // Done: a second run (a stale lease, a replay race) is not the caller's to run.
    const attempt = jest.fn(() => Promise.resolve());
    expect(await run(record.key, event, attempt)).toBe(false);
    expect(attempt).not.toHaveBeenCalled();
    expect(await rowsOf(record.key)).toBe(1);
  });

  test("a listener that throws after writing leaves no row and the record pending; fail() then records it", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const event = { id: record.key };
    const error = await failure(
      run(record.key, event, async () => {
        await insertFor(event);
        throw new Error("listener threw");
      }),
    );
    expect(String(error)).toBe("Error: listener threw");
    expect(await rowsOf(record.key)).toBe(0);
    expect(await inbox.get(record.key)).toMatchObject({ status: "pending", attempts: 1 });
    await inbox.fail(record.key, { error: "listener threw", retryAt: undefined, now: now + 2 });
    expect(await inbox.get(record.key)).toMatchObject({ status: "failed", lastError: "listener threw" });
    expect(await run(record.key, event, () => Promise.resolve())).toBe(false);
  });

  /** Runs a first attempt that holds the record until `release()`. */
  async function holding(record: ReturnType<typeof newRecord>) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const event = { id: record.key };
    const first = run(record.key, event, async () => {
      await insertFor(event);
      entered();
      await held;
    });
    await inside;
    return { first, release };
  }

  test("a second run on the same key waits for the first, then finds it done and resolves false without calling its attempt", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const { first, release } = await holding(record);
    const second = jest.fn(() => Promise.resolve());
    const other = new PostgresInbox({ pool: pool(), table: "tx_inbox", transactional: true });
    const waiting = other.runInTransaction!(record.key, { id: record.key }, second, { now });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect(await first).toBe(true);
    expect(await waiting).toBe(false);
    expect(second).not.toHaveBeenCalled();
    expect(await rowsOf(record.key)).toBe(1);
  });

  test("a second run gives up after lockTimeoutMs while the first still holds the record: false, its attempt not called", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const { first, release } = await holding(record);
    const second = jest.fn(() => Promise.resolve());
    const other = new PostgresInbox({ pool: pool(), table: "tx_inbox", transactional: true, lockTimeoutMs: 200 });
    try {
      const started = Date.now();
      expect(await other.runInTransaction!(record.key, { id: record.key }, second, { now })).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(second).not.toHaveBeenCalled();
    } finally {
      release();
    }
    expect(await first).toBe(true);
    expect(await rowsOf(record.key)).toBe(1);
  });

  test("the listener's statements do not inherit the lock wait: lock_timeout is back to the server's", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const event = { id: record.key };
    let setting: string | undefined;
    await run(record.key, event, async () => {
      const { rows } = await inbox.transactionOf(event).query<{ lock_timeout: string }>("SHOW lock_timeout");
      setting = rows[0]?.lock_timeout;
    });
    expect(setting).toBe("0");
  });

  test("two workers over one transactional inbox: no delivery waits out its lease (a lease statement's passing lock is waited for, not skipped)", async () => {
    // Before: runInTransaction took the row with SKIP LOCKED, and a row another worker's lease
    // statement had just rechecked (and kept locked to its end) was skipped; the delivery then
    // sat out its whole lease (two workers drained 49 deliveries/s instead of ~2,000; with 3,000
    // deliveries a handful are left pending for the 10-minute lease, and this test fails).
    const shared = new PostgresInbox({ pool: pool(), table: "tx_two_workers", transactional: true });
    await shared.createSchema();
    const ingest = createMisskeyReceiver({ secret: "s", logger: false, inbox: { store: shared, ingestOnly: true } });
    const total = 3000;
    for (let i = 0; i < total; i++) await ingest.receive(misskeyDelivery("note", { secret: "s" }));
    const workers = [0, 1].map(() => {
      const store = new PostgresInbox({ pool: pool(), table: "tx_two_workers", transactional: true });
      return createMisskeyReceiver({ secret: "s", logger: false, inbox: { store, leaseMs: 600_000, pollIntervalMs: 20 } })
        .on("note", (e) => store.transactionOf(e).query("SELECT 1"))
        .work({ concurrency: 8 });
    });
    try {
      const deadline = Date.now() + 60_000;
      while ((await shared.counts()).done < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Every record done, none of them by a lease running out (10 minutes): each ran on its first lease.
      expect(await shared.counts()).toEqual({ pending: 0, failed: 0, done: total });
    } finally {
      await Promise.all([ingest, ...workers].map((receiver) => receiver.close()));
    }
  }, 90_000);

  test("a statement that failed inside the listener (error caught there) rolls everything back and rejects", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const event = { id: record.key };
    const error = await failure(
      run(record.key, event, async () => {
        await insertFor(event);
        await inbox
          .transactionOf(event)
          .query("SELECT * FROM no_such_table")
          .catch(() => undefined);
      }),
    );
    expect(String(error)).toContain("was rolled back: a statement in it failed");
    expect(await rowsOf(record.key)).toBe(0);
    expect(await inbox.get(record.key)).toMatchObject({ status: "pending" });
  });

  test("a connection killed while the listener runs rejects the run (no crash); the record stays pending for a retry", async () => {
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    const event = { id: record.key };
    const error = await failure(
      run(record.key, event, async () => {
        await insertFor(event);
        const { rows } = await inbox.transactionOf(event).query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await pool().query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }),
    );
    expect(error).toBeDefined();
    expect(await rowsOf(record.key)).toBe(0);
    expect(await inbox.get(record.key)).toMatchObject({ status: "pending" });
    expect(await run(record.key, event, () => insertFor(event).then(() => undefined))).toBe(true);
    expect(await rowsOf(record.key)).toBe(1);
  });

  test("transactionOf outside a transaction throws a clear TypeError", async () => {
    const event = { id: "x" };
    expect(() => inbox.transactionOf(event)).toThrow(
      /^transactionOf\(event\): this event has no transaction running: call it from a listener/,
    );
    expect(() => inbox.transactionOf(event)).toThrow(TypeError);
    const record = newRecord();
    await inbox.add(record, { leaseMs: LEASE, now });
    await run(record.key, event, () => Promise.resolve());
    expect(() => inbox.transactionOf(event)).toThrow(TypeError);
    const plain = new PostgresInbox({ pool: p, table: "tx_inbox" });
    expect(plain.runInTransaction).toBeUndefined();
    expect(() => plain.transactionOf(event)).toThrow("this PostgresInbox is not transactional; create it with `transactional: true`.");
  });
});

describe("PostgresInbox and the pool's idle connections", () => {
  const terminateIdle = async (p: pg.Pool, name: string) => {
    const admin = pool();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [name]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return p;
  };

  test("a pool without an 'error' listener gets one (onPoolError): an idle connection killed does not crash the process", async () => {
    const p = new pg.Pool({ connectionString: server.url, application_name: "idle-1" });
    const reported: Error[] = [];
    const inbox = new PostgresInbox({ pool: p, table: "idle", onPoolError: (error) => reported.push(error) });
    await inbox.createSchema();
    await inbox.counts();
    await terminateIdle(p, "idle-1");
    expect(reported.length).toBe(1);
    expect(reported[0]?.message).toContain("terminating connection");
    expect(await inbox.counts()).toMatchObject({ failed: 0 });
    await inbox.close();
    expect(p.listenerCount("error")).toBe(0);
    await p.end();
  });

  test("by default an idle connection's failure is one process warning, without the URL", async () => {
    const p = new pg.Pool({ connectionString: server.url.replace("postgres@", "postgres:hunter2@"), application_name: "idle-2" });
    pools.push(p);
    const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    try {
      const inbox = new PostgresInbox({ pool: p, table: "idle" });
      await inbox.createSchema();
      await terminateIdle(p, "idle-2");
      expect(warn).toHaveBeenCalledTimes(1);
      const [message, options] = warn.mock.calls[0]!;
      expect(String(message)).toMatch(
        /^PostgresInbox: an idle PostgreSQL connection failed \(the pool replaces it\): terminating connection/,
      );
      expect(String(message)).not.toContain("hunter2");
      expect(options).toEqual({ code: "EWR_PG_POOL_ERROR" });
    } finally {
      warn.mockRestore();
    }
  });

  test("a pool with an 'error' listener of its own is left alone", async () => {
    const p = new pg.Pool({ connectionString: server.url });
    pools.push(p);
    p.on("error", () => undefined);
    const reported: Error[] = [];
    new PostgresInbox({ pool: p, onPoolError: (error) => reported.push(error) });
    expect(p.listenerCount("error")).toBe(1);
  });
});
