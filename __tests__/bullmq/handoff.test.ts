import { Queue, Worker, type ConnectionOptions, type Job } from "bullmq";
import { BullmqHandoff, createBullmqWorker, jobIdOfKey, keyOfJobId, type BullmqDeliveryData } from "../../lib/bullmq/index.js";
import { createMisskeyReceiver, createOkskyReceiver, isUnstorableRecordError } from "../../lib/index.js";
import type { NewInboxRecord } from "../../lib/inbox/types.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { bodyOf } from "../fixtures/test-receiver.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { freshQueue, Opened, sleep, until } from "./support.js";

const secret = "s3cret";
const note = (text: string) => misskeyDelivery("note", { secret, overrides: { body: { note: { text } } } });
let redis: RedisServer;
let connection: ConnectionOptions;
const opened = new Opened();

beforeAll(async () => {
  redis = await startRedisServer();
  connection = { host: "127.0.0.1", port: redis.port };
}, 20_000);
afterEach(() => opened.closeAll());
afterAll(() => redis.stop());

describe("BullmqHandoff", () => {
  test("a verified delivery becomes one job: id from its dedupe key, named after its event, the record as data, the retry policy as options", async () => {
    const queue = freshQueue(opened, connection);
    const receiver = createMisskeyReceiver({
      secret,
      queue: new BullmqHandoff(queue, { maxAttempts: 3, backoffMs: 200, maxBackoffMs: 900 }),
    });
    const ran: string[] = [];
    receiver.on("note", (e) => void ran.push(e.id));
    const d = misskeyDelivery("note", { secret });
    const answer = await receiver.receive(d);
    expect([answer.status, bodyOf(answer)]).toEqual([200, { ok: true }]);

    const key = `misskey:${d.payload.eventId}`;
    const job = (await queue.getJob(jobIdOfKey(key))) as Job<BullmqDeliveryData>;
    expect(job.id).toBe(`misskey%3A${d.payload.eventId}`);
    expect(job.name).toBe("note");
    expect(job.data).toMatchObject({
      key,
      provider: "misskey",
      name: "note",
      deliveryId: d.payload.eventId,
      known: true,
      payload: d.payload,
    });
    expect(typeof job.data.receivedAt).toBe("number");
    expect(job.opts).toMatchObject({
      attempts: 3,
      backoff: { type: "express-webhook-receivers", delay: 200, maxDelay: 900 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: false,
    });
    expect(await queue.getJobState(job.id!)).toBe("waiting");
    expect(ran).toEqual([]); // the ingest side runs nothing
  });

  test("a resend is a duplicate, and adds nothing, while its job is waiting, active, completed (kept) or failed", async () => {
    const queue = freshQueue(opened, connection);
    const handoff = new BullmqHandoff(queue, { maxAttempts: 1 });
    const ingest = createMisskeyReceiver({ secret, queue: handoff });
    const worker = createMisskeyReceiver({ secret, logger: false });
    const calls = new Map<string, number>();
    let release: () => void = () => {};
    worker.on("note", async (e) => {
      calls.set(e.payload.body.note.text ?? "", (calls.get(e.payload.body.note.text ?? "") ?? 0) + 1);
      if (e.payload.body.note.text === "hold") await new Promise<void>((resolve) => (release = resolve));
      if (e.payload.body.note.text === "fail") throw new Error("listener down");
    });
    const [waiting, active, completed, failed] = [note("wait"), note("hold"), note("done"), note("fail")];
    const state = (d: typeof waiting) => queue.getJobState(jobIdOfKey(`misskey:${d.payload.eventId}`));
    const duplicate = { ok: true, duplicate: true };

    expect((await ingest.receive(waiting)).status).toBe(200);
    expect(bodyOf(await ingest.receive(waiting))).toEqual(duplicate);
    expect(await state(waiting)).toBe("waiting");

    await queue.drain(); // the waiting one is not for the worker below
    for (const d of [active, completed, failed]) expect(bodyOf(await ingest.receive(d))).toEqual({ ok: true });
    const bull = opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(
      async () => (await state(completed)) === "completed" && (await state(failed)) === "failed" && (await state(active)) === "active",
    );
    for (const d of [active, completed, failed]) expect(bodyOf(await ingest.receive(d))).toEqual(duplicate);
    release();
    await until(async () => (await state(active)) === "completed");
    expect(bodyOf(await ingest.receive(active))).toEqual(duplicate);
    await bull.close();
    expect(Object.fromEntries(calls)).toEqual({ hold: 1, done: 1, fail: 1 });
    expect(await queue.getJobCounts("waiting", "active", "completed", "failed", "delayed")).toEqual({
      waiting: 0,
      active: 0,
      completed: 2,
      failed: 1,
      delayed: 0,
    });
  });

  test("concurrent copies of one delivery: one job, one { ok: true }, the others duplicates", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = [0, 1, 2].map(() => createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue) }));
    const d = misskeyDelivery("note", { secret });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ingest[i % 3]!.receive(d)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(answers.filter((a) => bodyOf(a).duplicate !== true)).toHaveLength(1);
    expect(await queue.count()).toBe(1);
  });

  test("tenants: the same delivery id under two tenants is two jobs; job ids hold no ':' and give back their key", async () => {
    const queue = freshQueue(opened, connection);
    const secrets: Record<string, string> = { acme: "acme-secret", initech: "initech-secret" };
    const receiver = createMisskeyReceiver({ secret: ({ params }) => secrets[params["tenant"] ?? ""], queue: new BullmqHandoff(queue) });
    const acme = misskeyDelivery("note", { secret: "acme-secret" });
    const initech = misskeyDelivery("note", { secret: "initech-secret", overrides: { eventId: acme.payload.eventId } });
    expect(bodyOf(await receiver.receive({ ...acme, params: { tenant: "acme" } }))).toEqual({ ok: true });
    expect(bodyOf(await receiver.receive({ ...initech, params: { tenant: "initech" } }))).toEqual({ ok: true });
    expect(bodyOf(await receiver.receive({ ...acme, params: { tenant: "acme" } }))).toEqual({ ok: true, duplicate: true });
    const jobs = (await queue.getWaiting()) as Job<BullmqDeliveryData>[];
    expect(jobs).toHaveLength(2);
    for (const job of jobs) {
      expect(job.data.key).toMatch(new RegExp(`^misskey:@.+:${acme.payload.eventId}$`));
      expect(job.id).not.toContain(":");
      expect(keyOfJobId(job.id!)).toBe(job.data.key);
    }
    expect(new Set(jobs.map((job) => job.data.key)).size).toBe(2);
  });

  test("a payload with no JSON form is refused as unstorable (the receiver answers 422), and nothing is added", async () => {
    const queue = freshQueue(opened, connection);
    const handoff = new BullmqHandoff(queue);
    const record = (payload: unknown): NewInboxRecord => ({
      key: "misskey:x",
      provider: "misskey",
      name: "note",
      deliveryId: "x",
      known: true,
      payload,
      meta: {},
      receivedAt: Date.now(),
    });
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    for (const payload of [{ n: 10n }, cyclic, () => 1]) {
      const refused = await handoff.enqueue(record(payload)).catch((error: unknown) => error);
      expect(isUnstorableRecordError(refused)).toBe(true);
    }
    expect(await queue.count()).toBe(0);
  });

  test("a job over the queue's own sizeLimit is unstorable (422), not an outage", async () => {
    const queue = opened.add(new Queue(`limited-${process.pid}`, { connection, defaultJobOptions: { sizeLimit: 2000 } }));
    const receiver = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue), logger: false });
    const small = await receiver.receive(note("x"));
    const large = await receiver.receive(note("x".repeat(3000)));
    expect([small.status, large.status, bodyOf(large).error]).toEqual([200, 422, "unstorable_payload"]);
    expect(await queue.count()).toBe(1);
  });

  test("options are checked at construction", () => {
    const queue = freshQueue(opened, connection);
    expect(() => new BullmqHandoff({} as never)).toThrow("BullmqHandoff needs a BullMQ Queue (new Queue(name, { connection })).");
    expect(() => new BullmqHandoff(queue, { maxAttempts: 0 })).toThrow(
      "BullmqHandoff: maxAttempts must be a positive whole number, got 0.",
    );
    expect(() => new BullmqHandoff(queue, { timeoutMs: 1.5 })).toThrow("timeoutMs must be a positive whole number, got 1.5.");
    expect(() => new BullmqHandoff(queue, { backoffMs: "1000" as never })).toThrow(
      "backoffMs must be a positive whole number, got '1000'.",
    );
    expect(() => new BullmqHandoff(queue, { attempts: 5 } as never)).toThrow(
      'BullmqHandoff: unknown option "attempts" (known: maxAttempts, backoffMs, maxBackoffMs, keepCompletedMs, timeoutMs).',
    );
    expect(() => new BullmqHandoff(queue, { maxAttempts: undefined })).not.toThrow();
  });
});

describe("Redis down", () => {
  test("the receiver answers 503 within timeoutMs; the add that lands late is harmless: the resend is a duplicate, the job runs once", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { timeoutMs: 300 }), logger: false });
    const errors: string[] = [];
    ingest.onError((error) => errors.push(error.code));
    await queue.waitUntilReady();
    await redis.kill();
    const d = misskeyDelivery("note", { secret });
    const started = Date.now();
    const down = await ingest.receive(d);
    expect([down.status, bodyOf(down).error]).toEqual([503, "store_unavailable"]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(errors).toEqual(["store_unavailable"]);

    await redis.restart();
    const id = jobIdOfKey(`misskey:${d.payload.eventId}`);
    // The client sends what it queued while disconnected: the job lands after all.
    await until(async () => (await queue.getJob(id)) !== undefined, 15_000, "the late job");
    expect(bodyOf(await ingest.receive(d))).toEqual({ ok: true, duplicate: true });

    const worker = createMisskeyReceiver({ secret });
    let runs = 0;
    worker.on("note", () => void (runs += 1));
    opened.add(createBullmqWorker(worker, { connection, queue: queue.name }));
    await until(async () => (await queue.getJobState(id)) === "completed");
    await sleep(100);
    expect(runs).toBe(1);
  }, 30_000);

  test("a stalled Redis (SIGSTOP): 503 within timeoutMs; the add already sent lands on resume and the resend is a duplicate", async () => {
    const queue = freshQueue(opened, connection);
    const ingest = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue, { timeoutMs: 300 }), logger: false });
    await queue.waitUntilReady();
    const d = misskeyDelivery("note", { secret });
    await redis.pause();
    try {
      const down = await ingest.receive(d);
      expect([down.status, bodyOf(down).error]).toEqual([503, "store_unavailable"]);
    } finally {
      await redis.resume();
    }
    const id = jobIdOfKey(`misskey:${d.payload.eventId}`);
    await until(async () => (await queue.getJob(id)) !== undefined, 10_000, "the late job");
    expect(bodyOf(await ingest.receive(d))).toEqual({ ok: true, duplicate: true });
    expect(await queue.count()).toBe(1);
  }, 30_000);

  test("a provider that never resends (OK SKY) gets its listeners run here when the queue cannot take the job", async () => {
    const queue = freshQueue(opened, connection);
    const oksky = createOkskyReceiver({ secret, queue: new BullmqHandoff(queue, { timeoutMs: 200 }), logger: false });
    const ran: string[] = [];
    oksky.onAny((e) => void ran.push(e.name));
    await queue.waitUntilReady();
    await redis.kill();
    try {
      const answer = await oksky.receive(okskyDelivery("Message.create", { secret }));
      expect(answer.status).toBe(200);
      expect(ran).toEqual(["Message.create"]);
    } finally {
      await redis.restart();
    }
  }, 30_000);
});

test("a plain BullMQ Worker sees the delivery as job data", async () => {
  const queue = freshQueue(opened, connection);
  const receiver = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue) });
  const d = misskeyDelivery("note", { secret });
  await receiver.receive(d);
  const seen: BullmqDeliveryData[] = [];
  opened.add(new Worker<BullmqDeliveryData>(queue.name, async (job) => void seen.push(job.data), { connection }));
  await until(() => seen.length === 1);
  expect(seen[0]).toMatchObject({ name: "note", deliveryId: d.payload.eventId });
});
