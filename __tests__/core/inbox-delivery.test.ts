import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { WebhookError } from "../../lib/core/errors.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { RedisInbox } from "../../lib/inbox/redis.js";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import type { InboxStore } from "../../lib/inbox/types.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { bodyOf, deferred } from "../fixtures/test-receiver.js";

const secret = "s3cret";
const fast = { pollIntervalMs: 10, backoffMs: 10, maxBackoffMs: 20 };
const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function misskey(inbox: InboxStore, options: Record<string, unknown> = {}) {
  const receiver = createMisskeyReceiver({ secret, inbox: { store: inbox, ...fast, ...options } });
  receivers.push(receiver);
  return receiver;
}

async function until(check: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("a delivery is stored pending before its listeners run, and done after", async () => {
  const inbox = new MemoryInbox();
  const receiver = misskey(inbox);
  const d = misskeyDelivery("note", { secret });
  const key = `misskey:${d.payload.eventId}`;
  let statusDuringDispatch: string | undefined;
  receiver.on("note", async () => {
    statusDuringDispatch = (await inbox.get(key))?.status;
  });
  const response = await receiver.receive(d);
  expect(response.status).toBe(200);
  expect(statusDuringDispatch).toBe("pending");
  await until(async () => (await inbox.get(key))?.status === "done");
  expect((await inbox.get(key))?.payload).toMatchObject({ eventId: d.payload.eventId, body: { note: { text: "Hello, fediverse!" } } });
});

test("a listener failure is answered 200 (the inbox owns it) and retried until it succeeds", async () => {
  const inbox = new MemoryInbox();
  const receiver = misskey(inbox);
  const errors: string[] = [];
  receiver.onError((error) => errors.push(error.code));
  let calls = 0;
  receiver.on("note", () => {
    calls += 1;
    if (calls < 3) throw new Error(`attempt ${calls} fails`);
  });
  const d = misskeyDelivery("note", { secret });
  expect((await receiver.receive(d)).status).toBe(200);
  await until(async () => (await inbox.get(`misskey:${d.payload.eventId}`))?.status === "done");
  expect(calls).toBe(3);
  expect(errors).toEqual(["handler_failed", "handler_failed"]);
});

test("after maxAttempts a record is left failed with its error, and replay() runs it again", async () => {
  const inbox = new MemoryInbox();
  const receiver = misskey(inbox, { maxAttempts: 2 });
  let fail = true;
  const seen: string[] = [];
  receiver.on("note", (e) => {
    if (fail) throw new Error("database down");
    seen.push(e.id);
  });
  const d = misskeyDelivery("note", { secret });
  const key = `misskey:${d.payload.eventId}`;
  await receiver.receive(d);
  await until(async () => (await inbox.get(key))?.status === "failed");
  const failed = await inbox.get(key);
  expect(failed?.attempts).toBe(2);
  expect(failed?.lastError).toContain("database down");
  fail = false;
  expect(await receiver.replay(key)).toBe(1);
  await until(async () => (await inbox.get(key))?.status === "done");
  expect(seen).toEqual([d.payload.eventId]);
});

test("a resend while the first attempt is stored is acknowledged as a duplicate and not dispatched", async () => {
  const inbox = new MemoryInbox();
  const receiver = misskey(inbox);
  const hold = deferred();
  let calls = 0;
  receiver.on("note", async () => {
    calls += 1;
    await hold.promise;
  });
  const d = misskeyDelivery("note", { secret });
  const first = receiver.receive(d);
  const [a, b] = await Promise.all([receiver.receive(d), receiver.receive(d)]);
  expect([bodyOf(a), bodyOf(b)]).toEqual([
    { ok: true, duplicate: true },
    { ok: true, duplicate: true },
  ]);
  hold.resolve();
  expect((await first).status).toBe(200);
  expect(calls).toBe(1);
});

test("past dispatchTimeoutMs a stored delivery is answered 200 while its listener runs on", async () => {
  const inbox = new MemoryInbox();
  const hold = deferred();
  const fastAnswer = createMisskeyReceiver({ secret, dispatchTimeoutMs: 20, inbox: { store: inbox, ...fast } });
  receivers.push(fastAnswer);
  fastAnswer.on("note", () => hold.promise);
  const d = misskeyDelivery("note", { secret });
  expect((await fastAnswer.receive(d)).status).toBe(200);
  expect((await inbox.get(`misskey:${d.payload.eventId}`))?.status).toBe("pending");
  hold.resolve();
  await until(async () => (await inbox.get(`misskey:${d.payload.eventId}`))?.status === "done");
});

test("an inbox that cannot store: 503 for Misskey (it resends), direct dispatch for OK SKY (it never does)", async () => {
  const broken = Object.assign(new MemoryInbox(), { add: () => Promise.reject(new Error("disk full")) });
  const misskeyReceiver = misskey(broken);
  const refused = await misskeyReceiver.receive(misskeyDelivery("note", { secret }));
  expect(refused.status).toBe(503);
  expect(bodyOf(refused)["error"]).toBe("store_unavailable");

  const oksky = createOkskyReceiver({ secret, inbox: { store: broken, ...fast } });
  receivers.push(oksky);
  const seen: number[] = [];
  oksky.on("Message.create", (e) => void seen.push(e.payload.object.id));
  const answered = await oksky.receive(okskyDelivery("Message.create", { secret }));
  expect(answered.status).toBe(200);
  expect(seen).toHaveLength(1);
});

test("records left by a process that died mid-dispatch are dispatched once their lease runs out", async () => {
  const inbox = new MemoryInbox();
  const d = misskeyDelivery("note", { secret });
  // What a crashed process leaves: stored, leased, never completed.
  await inbox.add(
    {
      key: `misskey:${d.payload.eventId}`,
      provider: "misskey",
      name: "note",
      deliveryId: d.payload.eventId,
      known: true,
      payload: d.payload,
      meta: {},
      receivedAt: Date.now(),
    },
    { leaseMs: 30, now: Date.now() },
  );
  const receiver = misskey(inbox);
  const seen: (string | undefined)[] = [];
  receiver.on("note", (e) => void seen.push(e.id));
  await until(() => seen.length === 1);
  expect(seen).toEqual([d.payload.eventId]);
  expect(bodyOf(await receiver.receive(d))).toEqual({ ok: true, duplicate: true });
  expect(seen).toHaveLength(1);
});

test("a worker only takes its own provider's records from a shared inbox", async () => {
  const inbox = new MemoryInbox();
  const d = okskyDelivery("Message.create", { secret });
  await inbox.add(
    {
      key: "oksky:~1",
      provider: "oksky",
      name: "Message.create",
      deliveryId: undefined,
      known: true,
      payload: d.payload,
      meta: {},
      receivedAt: Date.now(),
    },
    { leaseMs: 1, now: Date.now() - 10 },
  );
  const receiver = misskey(inbox);
  const seen = jest.fn();
  receiver.onAny(seen);
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(seen).not.toHaveBeenCalled();
  expect((await inbox.get("oksky:~1"))?.status).toBe("pending");
});

test("close() waits for listeners under way, then new deliveries get 503 shutting_down", async () => {
  const receiver = createMisskeyReceiver({ secret, ack: "immediate" });
  const hold = deferred();
  let finished = false;
  receiver.on("note", async () => {
    await hold.promise;
    finished = true;
  });
  expect((await receiver.receive(misskeyDelivery("note", { secret }))).status).toBe(200);
  const closing = receiver.close({ timeoutMs: 5000 });
  setTimeout(() => {
    hold.resolve();
  }, 20);
  await closing;
  expect(finished).toBe(true);
  const late = await receiver.receive(misskeyDelivery("note", { secret }));
  expect(late.status).toBe(503);
  expect(bodyOf(late)["error"]).toBe("shutting_down");
});

test("close() gives up on a hung listener after its timeout", async () => {
  const receiver = createMisskeyReceiver({ secret, ack: "immediate" });
  receiver.on("note", () => new Promise(() => {}));
  await receiver.receive(misskeyDelivery("note", { secret }));
  await expect(receiver.close({ timeoutMs: 20 })).resolves.toBeUndefined();
});

test("replay() without an inbox is a usage error", async () => {
  const receiver = createMisskeyReceiver({ secret });
  await expect(receiver.replay("misskey:x")).rejects.toThrow(/inbox/);
});

// Item 5 of issue 12: whatever the receiver accepts, an inbox can store; what it cannot
// is a final answer, never 503 store_unavailable (which Misskey resends until it gives up).
describe("a body nested deeper than any inbox can serialise", () => {
  const dir = mkdtempSync(join(tmpdir(), "ewr-unstorable-"));
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.quit();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stores: [string, () => InboxStore][] = [
    ["MemoryInbox", () => new MemoryInbox()],
    ["SqliteInbox", () => new SqliteInbox({ path: join(dir, `${Math.random().toString(36).slice(2)}.sqlite`) })],
    ["RedisInbox", () => new RedisInbox(redis, { prefix: `{unstorable-${Math.random().toString(36).slice(2)}}` })],
  ];

  test.each(stores)("%s: a final 4xx, not stored, not dispatched, reported with the event", async (_, open) => {
    const inbox = open();
    const receiver = misskey(inbox);
    const errors: WebhookError[] = [];
    receiver.onError((error) => void errors.push(error));
    const seen: unknown[] = [];
    receiver.onAny((event) => void seen.push(event));
    const d = misskeyDelivery("note", { secret });
    const depth = 100_000;
    // Built as text: JSON.stringify itself could not write it.
    const body = String(d.body).replace(/}$/, `,"deep":${'{"a":'.repeat(depth)}{}${"}".repeat(depth)}}`);
    const answer = await receiver.receive({ ...d, body });
    // Final: a 4xx that Misskey does not retry (it retries 408, 429 and 5xx).
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect([408, 429]).not.toContain(answer.status);
    expect(bodyOf(answer)["error"]).not.toBe("store_unavailable");
    expect(errors.map((e) => e.code)).not.toContain("store_unavailable");
    expect(errors).toHaveLength(1);
    expect(seen).toEqual([]);
    expect(await inbox.counts()).toEqual({ pending: 0, failed: 0, done: 0 });
    await inbox.close();
  });
});
