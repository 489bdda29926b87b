import { UnrecoverableError, type ConnectionOptions, type Job } from "bullmq";
import { Registry } from "prom-client";
import { BullmqHandoff, createBullmqWorker, jobIdOfKey, type BullmqDeliveryData } from "../../lib/bullmq/index.js";
import type { DispatchedInfo, WebhookError } from "../../lib/index.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { valueOf, scrape } from "../metrics/scrape.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { freshQueue, Opened, until } from "./support.js";

const secret = "s3cret";
let redis: RedisServer;
let connection: ConnectionOptions;
const opened = new Opened();

beforeAll(async () => {
  redis = await startRedisServer();
  connection = { host: "127.0.0.1", port: redis.port };
}, 20_000);
afterEach(() => opened.closeAll());
afterAll(() => redis.stop());

const note = (text: string) => misskeyDelivery("note", { secret, overrides: { body: { note: { text } } } });

describe("createBullmqWorker", () => {
  test("runs the receiver's typed listeners for each job, once, from a receiver with or without the queue option", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue) });
    const texts: string[] = [];
    // The worker's receiver needs no queue of its own: it only runs listeners.
    const worker = createMisskeyReceiver({ secret });
    worker.on("note", (e) => void texts.push(`${e.name} ${e.id === e.payload.eventId} ${e.payload.body.note.text ?? ""}`));
    worker.on("follow", (e) => void texts.push(`follow ${e.payload.body.user.username}`));
    for (const d of [note("one"), note("two")]) expect((await ingest.receive(d)).status).toBe(200);
    const follow = misskeyDelivery("follow", { secret });
    await ingest.receive(follow);
    const bull = opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    expect(bull.opts.concurrency).toBe(8);
    await until(async () => (await queue.getJobCounts("completed")).completed === 3);
    expect(texts.sort()).toEqual(["follow " + follow.payload.body.user.username, "note true one", "note true two"].sort());
  });

  test("a failing listener is retried with the hand-off's backoff (doubling, capped, jitter up to 20 %), hooks told it is a retry", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({
      secret,
      queue: new BullmqHandoff(queue, { maxAttempts: 4, backoffMs: 150, maxBackoffMs: 250 }),
    });
    const retries: boolean[] = [];
    const hooks = {
      onFailed: (info: DispatchedInfo) => void retries.push(info.retry),
      onDispatched: (info: DispatchedInfo) => void retries.push(info.retry),
    };
    const worker = createMisskeyReceiver({ secret, hooks, logger: false });
    const starts: number[] = [];
    worker.on("note", () => {
      starts.push(Date.now());
      if (starts.length < 4) throw new Error(`attempt ${starts.length} fails`);
    });
    const d = note("flaky");
    await ingest.receive(d);
    const id = jobIdOfKey(`misskey:${d.payload.eventId}`);
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(() => starts.length === 1);
    // Waiting out its backoff, the job is still its delivery's: a resend is a duplicate.
    await until(async () => (await queue.getJobState(id)) === "delayed");
    expect(JSON.parse((await ingest.receive(d)).body)).toEqual({ ok: true, duplicate: true });
    await until(async () => (await queue.getJobState(id)) === "completed");
    const gaps = starts.slice(1).map((at, i) => at - starts[i]!);
    // 150, 300 capped to 250, 250; each plus up to 20 %, plus the worker's own latency (the
    // cap and the jitter exactly: delivery-backoff.test.ts).
    for (const [gap, base] of gaps.map((gap, i) => [gap, [150, 250, 250][i]!] as const)) {
      expect(gap).toBeGreaterThanOrEqual(base - 5);
      expect(gap).toBeLessThan(base * 1.2 + 400);
    }
    expect(retries).toEqual([false, true, true, true]);
  });

  test("after maxAttempts the job stays failed in getFailed() with the listener's error; onError heard each attempt; job.retry() runs it again", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { maxAttempts: 2, backoffMs: 20, maxBackoffMs: 20 }) });
    const worker = createMisskeyReceiver({ secret, logger: false });
    const errors: WebhookError[] = [];
    worker.onError((error) => errors.push(error));
    let broken = true;
    let done = 0;
    worker.on("note", () => {
      if (broken) throw new Error("the database is read-only");
      done += 1;
    });
    const d = note("x");
    await ingest.receive(d);
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(async () => (await queue.getJobCounts("failed")).failed === 1);
    const [failed] = (await queue.getFailed()) as Job<BullmqDeliveryData>[];
    expect(failed).toMatchObject({
      id: jobIdOfKey(`misskey:${d.payload.eventId}`),
      attemptsMade: 2,
      failedReason: "the database is read-only",
    });
    expect(failed!.stacktrace![0]).toMatch(/^Error: the database is read-only\n/);
    expect(errors.map((e) => [e.code, e.event?.id])).toEqual([
      ["handler_failed", d.payload.eventId],
      ["handler_failed", d.payload.eventId],
    ]);
    broken = false;
    await failed!.retry();
    await until(() => done === 1);
    await until(async () => (await queue.getJobCounts("completed")).completed === 1);
  });

  test("several failing listeners: the failure names each; a listener's UnrecoverableError ends the retries", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { maxAttempts: 5, backoffMs: 10 }) });
    const worker = createMisskeyReceiver({ secret, logger: false });
    worker.on("note", (e) => {
      if (e.payload.body.note.text === "two") throw new Error("first");
      if (e.payload.body.note.text === "final") throw new UnrecoverableError("never again");
    });
    worker.on("note", (e) => {
      if (e.payload.body.note.text === "two") throw new Error("second");
    });
    await ingest.receive(note("two"));
    await ingest.receive(note("final"));
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(async () => (await queue.getJobCounts("failed")).failed === 2, 15_000);
    const failed = (await queue.getFailed()) as Job<BullmqDeliveryData>[];
    const byText = Object.fromEntries(
      failed.map((job) => [(job.data.payload as { body: { note: { text: string } } }).body.note.text, job]),
    );
    expect(byText["two"]).toMatchObject({ failedReason: "first; second", attemptsMade: 5 });
    expect(byText["final"]).toMatchObject({ failedReason: "never again", attemptsMade: 1 });
  }, 20_000);

  test("metrics count a worker's dispatches through the receiver's hooks", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { maxAttempts: 1 }) });
    const registry = new Registry();
    const metrics = webhookMetrics({ registry });
    const worker = createMisskeyReceiver({ secret, hooks: metrics.hooks, logger: false });
    worker.on("note", (e) => {
      if (e.payload.body.note.text === "bad") throw new Error("no");
    });
    for (const text of ["a", "b", "bad"]) await ingest.receive(note(text));
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(async () => (await queue.getJobCounts("completed", "failed")).failed === 1);
    await until(async () => (await queue.getJobCounts("completed")).completed === 2);
    const samples = await scrape(registry);
    expect(valueOf(samples, "webhook_events_total", { provider: "misskey", event: "note", result: "dispatched" })).toBe(2);
    expect(valueOf(samples, "webhook_events_total", { provider: "misskey", event: "note", result: "failed" })).toBe(1);
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_count", { provider: "misskey", event: "note" })).toBe(3);
  });

  test("receivers of several providers share one queue; a job no receiver here can run, or not a delivery at all, fails at once", async () => {
    const queue = freshQueue(opened, connection);
    const handoff = new BullmqHandoff(queue);
    const misskeyIn = createMisskeyReceiver({ secret, queue: handoff });
    const okskyIn = createOkskyReceiver({ secret, queue: handoff });
    const ran: string[] = [];
    const misskey = createMisskeyReceiver({ secret }).on("note", (e) => void ran.push(`misskey ${e.name}`));
    const oksky = createOkskyReceiver({ secret }).onAny((e) => void ran.push(`oksky ${e.name}`));
    await misskeyIn.receive(note("x"));
    await okskyIn.receive(okskyDelivery("Message.create", { secret }));
    opened.add(createBullmqWorker([misskey, oksky], { connection, queue: queue.name }));
    await until(() => ran.length === 2);
    expect(ran.sort()).toEqual(["misskey note", "oksky Message.create"]);

    const misskeyOnly = freshQueue(opened, connection);
    await new BullmqHandoff(misskeyOnly).enqueue({
      key: "oksky:~1",
      provider: "oksky",
      name: "Message.create",
      deliveryId: undefined,
      known: true,
      payload: {},
      meta: {},
      receivedAt: Date.now(),
    });
    await misskeyOnly.add("cleanup", { older: "job" });
    opened.add(createBullmqWorker(misskey, { connection, queue: misskeyOnly.name }));
    await until(async () => (await misskeyOnly.getJobCounts("failed")).failed === 2);
    const reasons = (await misskeyOnly.getFailed()).map((job) => [job.name, job.attemptsMade, job.failedReason]);
    expect(reasons.sort()).toEqual([
      ["Message.create", 1, "Job oksky%3A~1 is a oksky delivery, and this worker has no oksky receiver."],
      ["cleanup", 1, expect.stringMatching(/^Job \d+ is not a webhook delivery from BullmqHandoff\.$/)],
    ]);
  });

  test("a listener failure is logged as the queue's to retry, not as an answer the sender will act on", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { maxAttempts: 1 }) });
    const lines: string[] = [];
    const logger = { error: (_fields: object, message: string) => void lines.push(message), warn: () => {}, info: () => {} };
    const worker = createMisskeyReceiver({ secret, logger }).on("note", () => {
      throw new Error("no");
    });
    await ingest.receive(note("x"));
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(() => lines.length === 1);
    expect(lines[0]).toBe(
      'A listener failed for "note". The job stays in its queue: retried with backoff, then kept failed (queue.getFailed(), job.retry()).',
    );
  });

  test("what is not a receiver, or no queue name, is refused with the reason", () => {
    const receiver = createMisskeyReceiver({ secret });
    expect(() => createBullmqWorker({} as never, { connection, queue: "q" })).toThrow(
      "createBullmqWorker: expected a receiver made by a createXReceiver factory (e.g. createMisskeyReceiver(...)).",
    );
    expect(() => createBullmqWorker(receiver, { connection } as never)).toThrow(
      "createBullmqWorker: options.queue must be the queue's name",
    );
    expect(() => createBullmqWorker([receiver, createMisskeyReceiver({ secret })], { connection, queue: "q" })).toThrow(
      "createBullmqWorker: two receivers of misskey; one per provider runs its jobs.",
    );
    expect(() => createBullmqWorker([], { connection, queue: "q" })).toThrow("createBullmqWorker: give at least one receiver.");
  });

  test("a user's own backoff strategy still serves jobs of other backoff types", async () => {
    const queue = freshQueue(opened, connection);
    const types: string[] = [];
    const receiver = createMisskeyReceiver({ secret, logger: false });
    receiver.on("note", () => {
      throw new Error("down");
    });
    const d = note("mine");
    const data = { key: "misskey:mine", provider: "misskey", name: "note", deliveryId: "mine", known: true, payload: d.payload, meta: {} };
    await queue.add("note", { ...data, receivedAt: Date.now(), enqueueId: "x" }, { attempts: 2, backoff: { type: "mine" } });
    opened.add(
      createBullmqWorker(receiver, {
        connection,
        queue: queue.name,
        settings: { backoffStrategy: (_attempts, type) => (types.push(String(type)), 10) },
      }),
    );
    await until(async () => (await queue.getJobCounts("failed")).failed === 1);
    expect(types).toEqual(["mine"]);
  });
});
