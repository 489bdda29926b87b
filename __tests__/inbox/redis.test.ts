import { Redis } from "ioredis";
import { RedisInbox } from "../../lib/inbox/redis.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { describeInboxContract } from "./contract.js";
import { newRecord } from "./new-record.js";

let server: RedisServer;
const clients: Redis[] = [];
let prefixes = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await server.stop();
});

function client(): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

// Two clients, as two instances behind a load balancer would have; a fresh prefix per test.
describeInboxContract("RedisInbox", async (options) => {
  const prefix = `{test-${++prefixes}}`;
  return { store: new RedisInbox(client(), { prefix, ...options }), twin: new RedisInbox(client(), { prefix, ...options }) };
});

describe("RedisInbox on a real server", () => {
  const now = Date.now();

  test("keeps working after the server forgets its scripts (SCRIPT FLUSH)", async () => {
    const redis = client();
    const inbox = new RedisInbox(redis, { prefix: "{flush}" });
    const record = newRecord();
    await inbox.add(newRecord(), { leaseMs: 1, now });
    await redis.call("SCRIPT", "FLUSH");
    expect(await inbox.add(record, { leaseMs: 1, now })).toBe(true);
    expect(await inbox.leaseDue({ limit: 5, leaseMs: 1000, now: now + 5 })).toHaveLength(2);
  });

  test("a done record's hash expires after retainMs; keys share the prefix's hash tag", async () => {
    const redis = client();
    const inbox = new RedisInbox(redis, { prefix: "{ttl}", retainMs: 60_000 });
    const record = newRecord();
    await inbox.add(record, { leaseMs: 1000, now });
    expect(await redis.pttl(`{ttl}:record:${record.key}`)).toBe(-1);
    await inbox.complete(record.key, { now });
    const ttl = await redis.pttl(`{ttl}:record:${record.key}`);
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect((await redis.keys("*")).filter((key) => !key.startsWith("{"))).toEqual([]);
    // Replaying a done record keeps it until it is done again.
    await inbox.requeue([record.key], { now });
    expect(await redis.pttl(`{ttl}:record:${record.key}`)).toBe(-1);
  });

  test("ten instances leasing at once share out the records without overlap", async () => {
    const inboxes = Array.from({ length: 10 }, () => new RedisInbox(client(), { prefix: "{ten}" }));
    const records = Array.from({ length: 200 }, () => newRecord());
    await Promise.all(records.map((record) => inboxes[0]!.add(record, { leaseMs: 1, now })));
    const drain = async (inbox: RedisInbox) => {
      const keys: string[] = [];
      for (let batch; (batch = await inbox.leaseDue({ limit: 3, leaseMs: 60_000, now: now + 10 })).length > 0;) {
        keys.push(...batch.map((r) => r.key));
      }
      return keys;
    };
    const taken = (await Promise.all(inboxes.map(drain))).flat();
    expect(taken.sort()).toEqual(records.map((r) => r.key).sort());
    expect(await inboxes[1]!.counts()).toEqual({ pending: 200, failed: 0, done: 0 });
  });

  test("refuses something that is not a client", () => {
    // @ts-expect-error: a URL is not a client
    expect(() => new RedisInbox("redis://localhost")).toThrow(/ioredis client/);
  });
});
