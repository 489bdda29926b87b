import pg from "pg";
import { PostgresStore, postgresStoreSchema } from "../../lib/stores/postgres.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";

let server: PostgresServer;
let a: pg.Pool;
let b: pg.Pool;
let tables = 0;

beforeAll(async () => {
  server = await startPostgresServer();
  a = new pg.Pool({ connectionString: server.url });
  b = new pg.Pool({ connectionString: server.url });
}, 60_000);
afterAll(async () => {
  await Promise.all([a.end(), b.end()]);
  await server.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store on a fresh table, and its twin on another pool (a second instance). */
async function stores(): Promise<[PostgresStore, PostgresStore, string]> {
  const table = `dedupe_${++tables}`;
  const store = new PostgresStore({ pool: a, table });
  await store.createSchema();
  return [store, new PostgresStore({ pool: b, table }), table];
}

describe("PostgresStore", () => {
  test("get, set and delete, in its table", async () => {
    const [store, twin, table] = await stores();
    expect(await store.get("k")).toBeUndefined();
    expect(await store.set("k", "processing", { ttlMs: 10_000 })).toBe(true);
    expect(await twin.get("k")).toBe("processing");
    expect((await a.query(`SELECT value FROM ${table}`)).rows).toEqual([{ value: "processing" }]);
    expect(await store.set("k", "done", { ttlMs: 10_000 })).toBe(true);
    expect(await twin.get("k")).toBe("done");
    await twin.delete("k");
    expect(await store.get("k")).toBeUndefined();
    await store.delete("k");
  });

  test("onlyIfAbsent stores only when the key is not there", async () => {
    const [store, twin] = await stores();
    expect(await store.set("k", "first", { ttlMs: 10_000, onlyIfAbsent: true })).toBe(true);
    expect(await twin.set("k", "second", { ttlMs: 10_000, onlyIfAbsent: true })).toBe(false);
    expect(await store.get("k")).toBe("first");
  });

  test("keys expire after ttlMs, then may be claimed again", async () => {
    const [store, twin] = await stores();
    await store.set("k", "v", { ttlMs: 80, onlyIfAbsent: true });
    expect(await twin.get("k")).toBe("v");
    await sleep(150);
    expect(await twin.get("k")).toBeUndefined();
    expect(await twin.set("k", "again", { ttlMs: 80, onlyIfAbsent: true })).toBe(true);
    expect(await store.get("k")).toBe("again");
    expect(await store.set("fraction", "v", { ttlMs: 0.2 })).toBe(true);
    await expect(store.set("k", "v", { ttlMs: 0 })).rejects.toThrow("ttlMs must be a positive number");
  });

  test("of 50 concurrent claims from two pools, exactly one wins (also over an expired key)", async () => {
    const [store, twin] = await stores();
    const both = [store, twin];
    for (let round = 0; round < 5; round++) {
      if (round === 4) await store.set("delivery-4", "expired", { ttlMs: 1 });
      await sleep(5);
      const claims = Array.from({ length: 50 }, (_, i) =>
        both[i % 2]!.set(`delivery-${round}`, `claim-${i}`, { ttlMs: 10_000, onlyIfAbsent: true }),
      );
      expect((await Promise.all(claims)).filter(Boolean)).toEqual([true]);
    }
  });

  test("deleteIf deletes only the value it is given (compare-and-delete), atomically", async () => {
    const [store, twin] = await stores();
    await store.set("k", "mine", { ttlMs: 10_000 });
    expect(await twin.deleteIf("k", "theirs")).toBe(false);
    expect(await store.get("k")).toBe("mine");
    expect(await twin.deleteIf("k", "mine")).toBe(true);
    expect(await store.get("k")).toBeUndefined();
    expect(await store.deleteIf("k", "mine")).toBe(false);
  });

  test("renew sets the remaining time only of the value it is given, never of an expired key", async () => {
    const [store, twin, table] = await stores();
    const expiresAt = async () => Number((await a.query(`SELECT expires_at FROM ${table} WHERE key = 'k'`)).rows[0].expires_at);
    await store.set("k", "mine", { ttlMs: 1000 });
    const before = await expiresAt();
    expect(await twin.renew("k", "theirs", 60_000)).toBe(false);
    expect(await expiresAt()).toBe(before);
    expect(await twin.renew("k", "mine", 60_000)).toBe(true);
    expect(await expiresAt()).toBeGreaterThan(before + 50_000);
    expect(await store.renew("absent", "mine", 60_000)).toBe(false);
    await store.set("gone", "mine", { ttlMs: 1 });
    await sleep(10);
    expect(await store.renew("gone", "mine", 60_000)).toBe(false);
    expect(await store.get("gone")).toBeUndefined();
  });

  test("expired keys are swept as keys are set; the schema SQL is published", async () => {
    const table = `dedupe_${++tables}`;
    const store = new PostgresStore({ connectionString: server.url, table });
    await store.createSchema();
    await store.createSchema();
    const pool = new pg.Pool({ connectionString: server.url });
    await pool.query(`INSERT INTO ${table} SELECT 'old-' || i, 'v', 1 FROM generate_series(1, 10) AS i`);
    await store.set("fresh", "v", { ttlMs: 10_000 });
    await sleep(100);
    expect((await pool.query(`SELECT key FROM ${table}`)).rows).toEqual([{ key: "fresh" }]);
    await pool.end();
    await store.close();
    expect(postgresStoreSchema({ table: "app.dedupe" })).toContain('CREATE TABLE IF NOT EXISTS "app"."dedupe"');
  });

  test("refuses a bad table name and a missing pool", () => {
    expect(() => new PostgresStore({ pool: a, table: "x;drop" })).toThrow(TypeError);
    expect(() => new PostgresStore({})).toThrow("PostgresStore needs either `pool` (a pg.Pool) or `connectionString`");
  });
});
