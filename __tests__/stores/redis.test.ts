import { Redis } from "ioredis";
import { RedisStore } from "../../lib/stores/redis.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";

let server: RedisServer;
let a: Redis;
let b: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  a = new Redis(server.url);
  b = new Redis(server.url);
});
afterAll(async () => {
  await Promise.all([a.quit(), b.quit()]);
  await server.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("RedisStore", () => {
  test("get, set and delete, under its prefix", async () => {
    const store = new RedisStore(a, { prefix: "p1:" });
    expect(await store.get("k")).toBeUndefined();
    expect(await store.set("k", "processing", { ttlMs: 10_000 })).toBe(true);
    expect(await store.get("k")).toBe("processing");
    expect(await a.get("p1:k")).toBe("processing");
    expect(await store.set("k", "done", { ttlMs: 10_000 })).toBe(true);
    expect(await store.get("k")).toBe("done");
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
    await store.delete("k");
  });

  test("onlyIfAbsent stores only when the key is not there", async () => {
    const store = new RedisStore(a, { prefix: "p2:" });
    expect(await store.set("k", "first", { ttlMs: 10_000, onlyIfAbsent: true })).toBe(true);
    expect(await store.set("k", "second", { ttlMs: 10_000, onlyIfAbsent: true })).toBe(false);
    expect(await store.get("k")).toBe("first");
  });

  test("keys expire after ttlMs (PX), then may be set again", async () => {
    const store = new RedisStore(a, { prefix: "p3:" });
    await store.set("k", "v", { ttlMs: 80, onlyIfAbsent: true });
    const pttl = await a.pttl("p3:k");
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(80);
    await sleep(150);
    expect(await store.get("k")).toBeUndefined();
    expect(await store.set("k", "again", { ttlMs: 80, onlyIfAbsent: true })).toBe(true);
    // PX takes only a positive integer: a fraction is rounded up, not refused by Redis.
    expect(await store.set("fraction", "v", { ttlMs: 0.2 })).toBe(true);
  });

  test("of 50 concurrent claims from two clients, exactly one wins", async () => {
    const stores = [new RedisStore(a, { prefix: "p4:" }), new RedisStore(b, { prefix: "p4:" })];
    for (let round = 0; round < 5; round++) {
      const claims = Array.from({ length: 50 }, (_, i) =>
        stores[i % 2]!.set(`delivery-${round}`, `claim-${i}`, { ttlMs: 10_000, onlyIfAbsent: true }),
      );
      const won = (await Promise.all(claims)).filter(Boolean);
      expect(won).toEqual([true]);
    }
  });

  test("deleteIf deletes only the value it is given (compare-and-delete), atomically", async () => {
    const store = new RedisStore(a, { prefix: "p5:" });
    await store.set("k", "mine", { ttlMs: 10_000 });
    expect(await store.deleteIf("k", "theirs")).toBe(false);
    expect(await a.get("p5:k")).toBe("mine");
    expect(await store.deleteIf("k", "mine")).toBe(true);
    expect(await a.get("p5:k")).toBeNull();
    expect(await store.deleteIf("k", "mine")).toBe(false);
  });

  test("renew sets the remaining time only of the value it is given (compare-and-pexpire)", async () => {
    const store = new RedisStore(a, { prefix: "p6:" });
    await store.set("k", "mine", { ttlMs: 1000 });
    expect(await store.renew("k", "theirs", 60_000)).toBe(false);
    expect(await a.pttl("p6:k")).toBeLessThanOrEqual(1000);
    expect(await store.renew("k", "mine", 60_000)).toBe(true);
    expect(await a.pttl("p6:k")).toBeGreaterThan(1000);
    // Never brings back a key that is gone.
    expect(await store.renew("absent", "mine", 60_000)).toBe(false);
    expect(await a.exists("p6:absent")).toBe(0);
  });

  test("refuses something that is not a client", () => {
    // @ts-expect-error: a URL is not a client
    expect(() => new RedisStore("redis://localhost")).toThrow(/ioredis client/);
  });
});
