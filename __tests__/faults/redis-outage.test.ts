import { Redis } from "ioredis";
import { RedisInbox } from "../../lib/inbox/redis.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";
import { RedisStore } from "../../lib/stores/redis.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { deferred } from "../fixtures/test-receiver.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { SECRET, type AnyReceiver } from "./providers.js";
import { errorLog, listen, post, until, type LiveServer } from "./support.js";

// The real redis-server, killed (SIGKILL) and started again on the same port, with a
// client built the way the README says: `new Redis(url)`, every ioredis default.
// Persistent (appendfsync always), as a production Redis keeping dedupe and inbox is.
let server: RedisServer;
let redis: Redis;
let live: LiveServer | undefined;
const receivers: AnyReceiver[] = [];
let down = false;

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
}, 20_000);
beforeEach(async () => {
  redis = new Redis(server.url);
  // ioredis prints unhandled "error" events; the outage is the point here.
  redis.on("error", () => {});
  await until("the client to connect", () => redis.status === "ready");
});
afterEach(async () => {
  // A failed test must not leave the next one without a server.
  if (down) await server.restart();
  down = false;
  await Promise.all(receivers.splice(0).map((r) => r.close({ timeoutMs: 100 })));
  await live?.close();
  live = undefined;
  redis.disconnect();
});
afterAll(async () => {
  await server.stop();
});

/** A Redis outage while the receiver runs: answers promptly, then comes back. */
async function redisGoesDown(): Promise<void> {
  down = true;
  await server.kill();
  await until("the client to notice", () => redis.status !== "ready");
}

async function redisComesBack(): Promise<void> {
  await server.restart();
  down = false;
  // ioredis reconnects on its own backoff (up to about 5 s between tries).
  await until("the client to reconnect", () => redis.status === "ready", 20_000);
}

describe("RedisStore dedupe while Redis is down", () => {
  test("deliveries get a prompt 503 store_unavailable; afterwards dedupe works on, nothing acknowledged is lost or dispatched twice", async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET, dedupe: new RedisStore(redis, { prefix: `outage${Date.now()}:` }) });
    receivers.push(receiver);
    const log = errorLog();
    receiver.onError(log.listener);
    const dispatched: string[] = [];
    receiver.on("note", (e) => void dispatched.push(e.id));
    live = await listen({ "/hooks/misskey": receiver.router });
    const path = "/hooks/misskey";

    const before = misskeyDelivery("note", { secret: SECRET });
    expect((await post(live.port, path, before)).status).toBe(200);

    await redisGoesDown();
    const during = misskeyDelivery("note", { secret: SECRET });
    // Many at once: every one answered, none waiting for the reconnection.
    const answers = await Promise.all(
      [during, before, ...Array.from({ length: 30 }, () => misskeyDelivery("note", { secret: SECRET }))].map((d) =>
        post(live!.port, path, d),
      ),
    );
    // Within commandTimeoutMs (1 s) and some slack for a loaded machine, not ioredis's minute.
    const unexpected = answers.filter((a) => a.status !== 503 || a.body["error"] !== "store_unavailable" || a.ms >= 3000);
    expect(unexpected).toEqual([]);
    expect(new Set(log.codes())).toEqual(new Set(["store_unavailable"]));
    // Not a "ready" listener per waiting command (ioredis has one of its own while connecting).
    expect(redis.listenerCount("ready")).toBeLessThanOrEqual(2);

    await redisComesBack();
    // Acknowledged before the outage: still known, so the resend is not dispatched again.
    expect((await post(live.port, path, before)).body).toEqual({ ok: true, duplicate: true });
    // Refused during the outage: no claim of it was left behind to block the resend.
    const resend = await post(live.port, path, during);
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ ok: true });
    const after = misskeyDelivery("note", { secret: SECRET });
    expect((await post(live.port, path, after)).status).toBe(200);
    expect(dispatched).toEqual([before.payload.eventId, during.payload.eventId, after.payload.eventId]);
  }, 40_000);

  test('a listener that finishes during the outage: its "done" is written once Redis is back, so the resend is a duplicate', async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET, dedupe: new RedisStore(redis, { prefix: `running${Date.now()}:` }) });
    receivers.push(receiver);
    const log = errorLog();
    receiver.onError(log.listener);
    const gate = deferred();
    let calls = 0;
    receiver.on("note", async () => {
      calls += 1;
      await gate.promise;
    });
    live = await listen({ "/hooks/misskey": receiver.router });
    const d = misskeyDelivery("note", { secret: SECRET });
    const answer = post(live.port, "/hooks/misskey", d);
    await until("the listener to start", () => calls === 1);
    await redisGoesDown();
    gate.resolve();
    // Acknowledged: the listener ran; "done" waits in the client's queue, not in the answer.
    const acknowledged = await answer;
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.ms).toBeLessThan(3000);
    expect(log.codes()).toEqual(["store_unavailable"]);
    await redisComesBack();
    const resend = await post(live.port, "/hooks/misskey", d);
    expect(resend.body).toEqual({ ok: true, duplicate: true });
    expect(calls).toBe(1);
  }, 40_000);
});

describe("RedisInbox while Redis is down", () => {
  test("Misskey gets a prompt 503, OK SKY is dispatched directly; records stored before the outage complete after it", async () => {
    const prefix = `{outage${Date.now()}}`;
    const store = new RedisInbox(redis, { prefix });
    const fast = { store, pollIntervalMs: 50, leaseMs: 1500, backoffMs: 200, maxBackoffMs: 400 };
    const misskey = createMisskeyReceiver({ secret: SECRET, dispatchTimeoutMs: 200, inbox: fast });
    const oksky = createOkskyReceiver({ secret: SECRET, dispatchTimeoutMs: 200, inbox: fast });
    receivers.push(misskey, oksky);
    const log = errorLog();
    misskey.onError(log.listener);
    oksky.onError(log.listener);

    const held = misskeyDelivery("note", { secret: SECRET });
    const failsOnce = misskeyDelivery("note", { secret: SECRET });
    const gate = deferred();
    const calls = new Map<string, number>();
    misskey.on("note", async (e) => {
      const n = (calls.get(e.id) ?? 0) + 1;
      calls.set(e.id, n);
      if (e.id === held.payload.eventId && n === 1) await gate.promise;
      if (e.id === failsOnce.payload.eventId && n === 1) throw new Error("first attempt fails");
    });
    const okskyObjects: number[] = [];
    oksky.on("Message.create", (e) => void okskyObjects.push(e.payload.object.id));
    live = await listen({ "/hooks/misskey": misskey.router, "/hooks/oksky": oksky.router });
    const port = live.port;

    const done = misskeyDelivery("note", { secret: SECRET });
    expect((await post(port, "/hooks/misskey", done)).status).toBe(200);
    // Stored, then answered 200 at the dispatch timeout while its listener is held.
    expect((await post(port, "/hooks/misskey", held)).status).toBe(200);
    // Stored, failed once: its retry falls due while Redis is away.
    expect((await post(port, "/hooks/misskey", failsOnce)).status).toBe(200);
    expect(await store.counts()).toEqual({ pending: 2, failed: 0, done: 1 });

    await redisGoesDown();
    const refused = misskeyDelivery("note", { secret: SECRET });
    const misskeyAnswer = await post(port, "/hooks/misskey", refused);
    expect(misskeyAnswer.status).toBe(503);
    expect(misskeyAnswer.body).toMatchObject({ error: "store_unavailable" });
    expect(misskeyAnswer.ms).toBeLessThan(3000);
    const direct = okskyDelivery("Message.create", { secret: SECRET });
    const okskyAnswer = await post(port, "/hooks/oksky", direct);
    expect(okskyAnswer.status).toBe(200);
    expect(okskyAnswer.ms).toBeLessThan(3000);
    expect(okskyObjects).toEqual([direct.payload.object.id]);
    // The held listener finishes while Redis is down: "done" cannot be written yet.
    gate.resolve();
    await until("the lost completion to be reported", () => log.errors.some((e) => e.message.includes("could not be updated")));

    await redisComesBack();
    // Misskey resends what was refused.
    expect((await post(port, "/hooks/misskey", refused)).status).toBe(200);
    await until("every record to be done", async () => {
      const counts = await store.counts();
      return counts.pending === 0 && counts.done === 4;
    });
    const records = await store.list({ provider: "misskey" });
    expect(records.map((r) => [r.deliveryId, r.status]).sort()).toEqual(
      [done, held, failsOnce, refused].map((d) => [d.payload.eventId, "done"]).sort(),
    );
    // Each dispatched until it succeeded, and no more: the held one's "done", queued in
    // the client, is written on reconnection before its lease is taken again.
    expect(calls.get(done.payload.eventId)).toBe(1);
    expect(calls.get(failsOnce.payload.eventId)).toBe(2);
    expect(calls.get(refused.payload.eventId)).toBe(1);
    expect(calls.get(held.payload.eventId)).toBe(1);
    expect(okskyObjects).toEqual([direct.payload.object.id]);
    const after = okskyDelivery("Message.create", { secret: SECRET });
    expect((await post(port, "/hooks/oksky", after)).status).toBe(200);
    await until("the new OK SKY record to be done", async () => (await store.counts()).done === 5);
  }, 40_000);
});

describe("a stalled Redis (the process stopped, connections open)", () => {
  test("commands already sent time out: 503 within commandTimeoutMs, and the receiver recovers when Redis resumes", async () => {
    const receiver = createMisskeyReceiver({
      secret: SECRET,
      dedupe: new RedisStore(redis, { prefix: `stall${Date.now()}:`, commandTimeoutMs: 300 }),
    });
    receivers.push(receiver);
    live = await listen({ "/hooks/misskey": receiver.router });
    const d = misskeyDelivery("note", { secret: SECRET });
    await server.pause();
    try {
      const answer = await post(live.port, "/hooks/misskey", d);
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: "store_unavailable" });
      expect(answer.ms).toBeGreaterThanOrEqual(290);
      expect(answer.ms).toBeLessThan(1500);
    } finally {
      await server.resume();
    }
    const fresh = misskeyDelivery("note", { secret: SECRET });
    expect((await post(live.port, "/hooks/misskey", fresh)).status).toBe(200);
    // The claim sent to the stalled server ran when it resumed (no client can take a sent
    // command back), but so did its release, sent behind it when the claim timed out:
    // the resend is dispatched, not held off for the claim's 10 minutes.
    const resend = await post(live.port, "/hooks/misskey", d);
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ ok: true });
  }, 20_000);
});

describe("RedisStore and RedisInbox options", () => {
  test("commandTimeoutMs must be positive", () => {
    expect(() => new RedisStore(redis, { commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisInbox(redis, { commandTimeoutMs: -1 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore(redis, { commandTimeoutMs: Number.NaN })).toThrow(/commandTimeoutMs/);
  });

  test("a client still connecting is waited for, within the timeout", async () => {
    const late = new Redis(server.url, { lazyConnect: true });
    late.on("error", () => {});
    try {
      void late.connect();
      expect(late.status).toBe("connecting");
      const store = new RedisStore(late, { prefix: `late${Date.now()}:` });
      expect(await store.set("k", "v", { ttlMs: 1000 })).toBe(true);
      expect(await store.get("k")).toBe("v");
    } finally {
      late.disconnect();
    }
  });

  test("a client that cannot connect fails within the timeout, and nothing is queued to run later", async () => {
    const prefix = `never${Date.now()}:`;
    const offline = new Redis(server.url, { lazyConnect: true });
    offline.on("error", () => {});
    const store = new RedisStore(offline, { prefix, commandTimeoutMs: 200 });
    try {
      await server.kill();
      void offline.connect().catch(() => {});
      const started = Date.now();
      await expect(store.set("claim", "processing", { ttlMs: 60_000, onlyIfAbsent: true })).rejects.toThrow(/no connection to Redis/);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await server.restart();
    }
    await until("the offline client to connect", () => offline.status === "ready", 20_000);
    await until("the test client to reconnect", () => redis.status === "ready", 20_000);
    expect(await redis.get(`${prefix}claim`)).toBeNull();
    offline.disconnect();
  }, 40_000);
});
