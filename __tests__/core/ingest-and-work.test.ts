import type { WebhookError } from "../../lib/core/errors.js";
import { dispatcherOf } from "../../lib/core/receiver.js";
import type { DeliveryQueue } from "../../lib/inbox/delivery-queue.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { UnstorableRecordError } from "../../lib/inbox/unstorable.js";
import type { InboxStore, NewInboxRecord } from "../../lib/inbox/types.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { bodyOf } from "../fixtures/test-receiver.js";

const secret = "s3cret";
const fast = { pollIntervalMs: 10, backoffMs: 10, maxBackoffMs: 20 };
const receivers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function track<R extends { close(): Promise<void> }>(receiver: R): R {
  receivers.push(receiver);
  return receiver;
}

async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("ingest only, and workers apart", () => {
  test("an ingest-only receiver stores and answers, runs no listener, and leaves the record due at once", async () => {
    const inbox = new MemoryInbox();
    const ingest = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ingestOnly: true, ...fast } }));
    const ran: string[] = [];
    ingest.on("note", (e) => void ran.push(e.id));
    const d = misskeyDelivery("note", { secret });
    expect((await ingest.receive(d)).status).toBe(200);
    expect(bodyOf(await ingest.receive(d))).toEqual({ ok: true, duplicate: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ran).toEqual([]);
    const record = await inbox.get(`misskey:${d.payload.eventId}`);
    expect(record).toMatchObject({ status: "pending", attempts: 0 });
    expect(record?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
  });

  test("a working receiver over the same store runs every stored delivery once, at most `concurrency` at a time", async () => {
    const inbox = new MemoryInbox();
    const ingest = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ingestOnly: true, ...fast } }));
    const worker = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ingestOnly: true, ...fast } }));
    const seen = new Map<string, number>();
    let running = 0;
    let most = 0;
    worker.on("note", async (e) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
      running -= 1;
    });
    const deliveries = Array.from({ length: 60 }, () => misskeyDelivery("note", { secret }));
    for (const d of deliveries) expect((await ingest.receive(d)).status).toBe(200);
    worker.work({ concurrency: 4 });
    await until(() => seen.size === deliveries.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThan(1);
    await until(async () => (await inbox.counts()).done === deliveries.length);
  });

  test("a worker retries a failing listener with backoff and leaves it failed after maxAttempts", async () => {
    const inbox = new MemoryInbox();
    const ingest = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ingestOnly: true, ...fast } }));
    const worker = track(createMisskeyReceiver({ secret, inbox: { store: inbox, maxAttempts: 3, ...fast }, logger: false }));
    const errors: string[] = [];
    worker.onError((error) => errors.push(error.code));
    let calls = 0;
    worker.on("note", () => {
      calls += 1;
      throw new Error("down");
    });
    const d = misskeyDelivery("note", { secret });
    await ingest.receive(d);
    worker.work({ concurrency: 2 });
    const key = `misskey:${d.payload.eventId}`;
    await until(async () => (await inbox.get(key))?.status === "failed");
    expect(calls).toBe(3);
    expect(errors).toEqual(["handler_failed", "handler_failed", "handler_failed"]);
  });

  test("work() refuses what it cannot do, with the reason", () => {
    const plain = track(createMisskeyReceiver({ secret }));
    expect(() => plain.work()).toThrow("misskey: work() needs the inbox option.");
    const inboxed = track(createMisskeyReceiver({ secret, inbox: new MemoryInbox() }));
    expect(() => inboxed.work({ concurrency: 0 })).toThrow("must be a positive integer, got 0");
  });
});

/** A MemoryInbox whose transactions are simulated: the listener's effect lands only if the attempt commits. */
class TransactionalMemoryInbox extends MemoryInbox {
  readonly effects: string[] = [];
  readonly staged = new WeakMap<object, string[]>();
  failCommit = false;
  held = new Set<string>();

  async runInTransaction(key: string, event: object, attempt: () => Promise<void>, { now }: { now: number }): Promise<boolean> {
    if (this.held.has(key) || (await this.get(key))?.status !== "pending") return false;
    this.held.add(key);
    const staged: string[] = [];
    this.staged.set(event, staged);
    try {
      await attempt();
      if (this.failCommit) throw new Error("connection lost during COMMIT");
      this.effects.push(...staged);
      await this.complete(key, { now });
      return true;
    } finally {
      this.held.delete(key);
    }
  }
}

describe("a store that runs attempts in transactions", () => {
  test("the listener's effect and the done mark land together; a failed listener leaves neither and is retried", async () => {
    const inbox = new TransactionalMemoryInbox();
    const receiver = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ...fast }, logger: false }));
    let calls = 0;
    receiver.on("note", (e) => {
      calls += 1;
      inbox.staged.get(e)?.push(e.id);
      if (calls === 1) throw new Error("first attempt fails after writing");
    });
    const d = misskeyDelivery("note", { secret });
    expect((await receiver.receive(d)).status).toBe(200);
    const key = `misskey:${d.payload.eventId}`;
    await until(async () => (await inbox.get(key))?.status === "done");
    expect(calls).toBe(2);
    expect(inbox.effects).toEqual([d.payload.eventId]);
  });

  test("a transaction that fails on its own (commit) is reported as the store's, recorded as a failed attempt, and retried", async () => {
    const inbox = new TransactionalMemoryInbox();
    inbox.failCommit = true;
    const receiver = track(createMisskeyReceiver({ secret, inbox: { store: inbox, ...fast, leaseMs: 50 }, logger: false }));
    const errors: WebhookError[] = [];
    receiver.onError((error) => errors.push(error));
    let calls = 0;
    receiver.on("note", (e) => {
      calls += 1;
      inbox.staged.get(e)?.push(e.id);
    });
    const d = misskeyDelivery("note", { secret });
    await receiver.receive(d);
    await until(() => calls >= 1);
    await until(() => errors.length >= 1);
    expect(errors[0]?.code).toBe("store_unavailable");
    expect((await inbox.get(`misskey:${d.payload.eventId}`))?.lastError).toContain("connection lost during COMMIT");
    inbox.failCommit = false;
    await until(async () => (await inbox.get(`misskey:${d.payload.eventId}`))?.status === "done");
    expect(inbox.effects).toEqual([d.payload.eventId]);
  });
});

class FakeQueue implements DeliveryQueue {
  readonly jobs = new Map<string, NewInboxRecord>();
  failure: Error | undefined;
  closed = false;
  async enqueue(record: NewInboxRecord): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.jobs.has(record.key)) return false;
    this.jobs.set(record.key, record);
    return true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("the queue option", () => {
  test("each verified delivery becomes one job keyed by its dedupe key; a resend is a duplicate; no listener runs", async () => {
    const queue = new FakeQueue();
    const receiver = track(createMisskeyReceiver({ secret, queue }));
    const ran: string[] = [];
    receiver.on("note", (e) => void ran.push(e.id));
    const d = misskeyDelivery("note", { secret });
    const first = await receiver.receive(d);
    expect(first.status).toBe(200);
    expect(bodyOf(first)).toEqual({ ok: true });
    expect(bodyOf(await receiver.receive(d))).toEqual({ ok: true, duplicate: true });
    expect([...queue.jobs.keys()]).toEqual([`misskey:${d.payload.eventId}`]);
    expect(queue.jobs.get(`misskey:${d.payload.eventId}`)).toMatchObject({ name: "note", known: true, deliveryId: d.payload.eventId });
    expect(ran).toEqual([]);
    await receiver.close();
    expect(queue.closed).toBe(true);
  });

  test("a queue outage is 503 store_unavailable for a resending provider; a job it can never hold is 422", async () => {
    const queue = new FakeQueue();
    const receiver = track(createMisskeyReceiver({ secret, queue, logger: false }));
    queue.failure = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
    const down = await receiver.receive(misskeyDelivery("note", { secret }));
    expect([down.status, bodyOf(down).error]).toEqual([503, "store_unavailable"]);
    queue.failure = new UnstorableRecordError("payload", new Error("too big"));
    const never = await receiver.receive(misskeyDelivery("note", { secret }));
    expect([never.status, bodyOf(never).error]).toEqual([422, "unstorable_payload"]);
  });

  test("for a provider that never resends, a queue outage dispatches here rather than lose the event", async () => {
    const queue = new FakeQueue();
    queue.failure = new Error("queue down");
    const receiver = track(createOkskyReceiver({ secret, queue, logger: false }));
    const ran: string[] = [];
    receiver.onAny((e) => void ran.push(e.name));
    const response = await receiver.receive(okskyDelivery("Message.create", { secret }));
    expect(response.status).toBe(200);
    expect(ran).toEqual(["Message.create"]);
  });

  test("inbox and queue together are refused at construction", () => {
    expect(() => createMisskeyReceiver({ secret, inbox: new MemoryInbox(), queue: new FakeQueue() })).toThrow(
      'createMisskeyReceiver: options "inbox" and "queue" are two places to keep deliveries; give one.',
    );
  });

  test("the dispatcher runs the receiver's listeners and reports their failure to onError before rejecting", async () => {
    const receiver = track(createMisskeyReceiver({ secret, queue: new FakeQueue(), logger: false }));
    const errors: string[] = [];
    receiver.onError((error) => errors.push(error.code));
    receiver.on("note", (e) => {
      if (e.payload.body.note.text === "boom") throw new Error("boom");
    });
    const dispatcher = dispatcherOf(receiver);
    const ok = misskeyDelivery("note", { secret });
    await dispatcher.dispatch({ ...baseEvent(ok.payload), payload: ok.payload }, false);
    const bad = misskeyDelivery("note", { secret, overrides: { body: { note: { text: "boom" } } } });
    await expect(dispatcher.dispatch({ ...baseEvent(bad.payload), payload: bad.payload }, true)).rejects.toMatchObject({
      code: "handler_failed",
    });
    expect(errors).toEqual(["handler_failed"]);
    expect(() => dispatcherOf({})).toThrow("Expected a receiver made by a createXReceiver factory.");
  });
});

function baseEvent(payload: { eventId: string }) {
  return { provider: "misskey", name: "note", id: payload.eventId, known: true, meta: {}, receivedAt: new Date() };
}

test("InboxStore stays structurally satisfied without runInTransaction", () => {
  const store: InboxStore = new MemoryInbox();
  expect(store.runInTransaction).toBeUndefined();
});
