import express from "express";
import { Redis } from "ioredis";
import request from "supertest";
import { listInbox } from "../../lib/inbox/list-inbox.js";
import { RedisInbox } from "../../lib/inbox/redis.js";
import { createMisskeyReceiver, type MisskeyReceiver } from "../../lib/index.js";
import { RedisStore } from "../../lib/stores/redis.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";

// Several instances behind a load balancer, sharing one real Redis.
let server: RedisServer;
const clients: Redis[] = [];
const receivers: MisskeyReceiver[] = [];

beforeAll(async () => {
  server = await startRedisServer();
}, 20_000);
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(clients.splice(0).map((c) => c.quit()));
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if beforeAll failed; afterAll runs anyway
  await server?.stop();
});

function client(): Redis {
  const redis = new Redis(server.url, { lazyConnect: false });
  clients.push(redis);
  return redis;
}

function instance(options: Parameters<typeof createMisskeyReceiver>[0]) {
  const receiver = createMisskeyReceiver(options);
  receivers.push(receiver);
  const app = express();
  app.use("/hooks/misskey", receiver.router);
  return { receiver, app };
}

test("concurrent duplicates spread over two instances sharing a Redis dedupe store: exactly one dispatch", async () => {
  const prefix = `t${Date.now()}:`;
  const a = instance({ secret: "s", dedupe: new RedisStore(client(), { prefix }) });
  const b = instance({ secret: "s", dedupe: new RedisStore(client(), { prefix }) });
  let dispatched = 0;
  for (const { receiver } of [a, b]) receiver.on("note", async () => void (dispatched += 1));
  const d = misskeyDelivery("note", { secret: "s" });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      request((i % 2 ? a : b).app)
        .post("/hooks/misskey")
        .set(d.headers)
        .send(d.body),
    ),
  );
  expect(dispatched).toBe(1);
  // The winner answers 200; the others 200 duplicate, or 503 while it was still running.
  expect(answers.every((r) => r.status === 200 || r.status === 503)).toBe(true);
  expect(answers.filter((r) => r.status === 200 && !r.body.duplicate)).toHaveLength(1);
  const later = await request(b.app).post("/hooks/misskey").set(d.headers).send(d.body);
  expect(later.body).toEqual({ ok: true, duplicate: true });
});

test("a failure on one instance is released, so the resend to the other instance is dispatched", async () => {
  const prefix = `r${Date.now()}:`;
  const a = instance({ secret: "s", dedupe: new RedisStore(client(), { prefix }) });
  const b = instance({ secret: "s", dedupe: new RedisStore(client(), { prefix }) });
  a.receiver.on("note", () => {
    throw new Error("instance a is broken");
  });
  const seen: string[] = [];
  b.receiver.on("note", (e) => void seen.push(e.id));
  const d = misskeyDelivery("note", { secret: "s" });
  expect((await request(a.app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(500);
  expect((await request(b.app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
  expect(seen).toEqual([d.payload.eventId]);
});

test("two instances sharing a Redis inbox: a failed delivery is retried by whichever worker takes it, once", async () => {
  const prefix = `{inbox${Date.now()}}`;
  const fast = { pollIntervalMs: 10, backoffMs: 10, maxBackoffMs: 20 };
  const a = instance({ secret: "s", inbox: { store: new RedisInbox(client(), { prefix }), ...fast } });
  const b = instance({ secret: "s", inbox: { store: new RedisInbox(client(), { prefix }), ...fast } });
  let failures = 0;
  const done: string[] = [];
  a.receiver.on("note", (e) => {
    if (failures === 0) {
      failures += 1;
      throw new Error("first try fails");
    }
    done.push(e.id);
  });
  b.receiver.on("note", (e) => void done.push(e.id));
  const d = misskeyDelivery("note", { secret: "s" });
  expect((await request(a.app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
  // Whichever instance leases the retry, it succeeds there, once.
  const end = Date.now() + 5000;
  while (done.length === 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done).toEqual([d.payload.eventId]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(done).toHaveLength(1);
  expect(failures).toBe(1);
  const inbox = new RedisInbox(client(), { prefix });
  expect((await inbox.get(`misskey:${d.payload.eventId}`))?.status).toBe("done");
  expect((await request(b.app).post("/hooks/misskey").set(d.headers).send(d.body)).body).toEqual({ ok: true, duplicate: true });
});

describe("two tenants on one router, two instances, one Redis", () => {
  const secrets = new Map([
    ["acme", "acme-secret"],
    ["globex", "globex-secret"],
  ]);

  function tenantInstance(options: Omit<Parameters<typeof createMisskeyReceiver>[0], "secret">) {
    const receiver = createMisskeyReceiver({ secret: ({ params }) => secrets.get(params["tenant"] ?? ""), ...options });
    receivers.push(receiver);
    const seen: string[] = [];
    receiver.on("note", (e) => void seen.push(`${e.meta.params["tenant"]}:${e.id}`));
    const app = express();
    app.use("/hooks/misskey/:tenant", receiver.router);
    return { receiver, app, seen };
  }
  const post = (app: express.Express, tenant: string, eventId: string) => {
    const d = misskeyDelivery("note", { secret: `${tenant}-secret`, overrides: { eventId } });
    return request(app).post(`/hooks/misskey/${tenant}`).set(d.headers).send(d.body);
  };

  test("RedisStore: B posting delivery id X first does not make A's X a duplicate", async () => {
    const prefix = `tenants${Date.now()}:`;
    const a = tenantInstance({ dedupe: new RedisStore(client(), { prefix }) });
    const b = tenantInstance({ dedupe: new RedisStore(client(), { prefix }) });
    const id = `x-${Date.now()}`;
    expect((await post(b.app, "globex", id)).body).toEqual({ ok: true });
    expect((await post(a.app, "acme", id)).body).toEqual({ ok: true });
    expect([...b.seen, ...a.seen]).toEqual([`globex:${id}`, `acme:${id}`]);
    // Each tenant's own resend, to the other instance, is a duplicate.
    expect((await post(b.app, "acme", id)).body).toEqual({ ok: true, duplicate: true });
    expect((await post(a.app, "globex", id)).body).toEqual({ ok: true, duplicate: true });
    expect((await client().keys(`${prefix}*`)).sort()).toEqual([
      `${prefix}ewr:dedupe:misskey:@tenant=acme:${id}`,
      `${prefix}ewr:dedupe:misskey:@tenant=globex:${id}`,
    ]);
  });

  test("RedisInbox: scoped records, and replay of a scoped key from the other instance", async () => {
    const prefix = `{tenants${Date.now()}}`;
    const fast = { pollIntervalMs: 10, backoffMs: 10, maxBackoffMs: 20, maxAttempts: 1 };
    const a = tenantInstance({ inbox: { store: new RedisInbox(client(), { prefix }), ...fast } });
    const b = tenantInstance({ inbox: { store: new RedisInbox(client(), { prefix }), ...fast } });
    let acmeDown = true;
    for (const { receiver } of [a, b]) {
      receiver.on("note", (e) => {
        if (e.meta.params["tenant"] === "acme" && acmeDown) throw new Error("acme's listener is down");
      });
    }
    const id = `x-${Date.now()}`;
    expect((await post(b.app, "globex", id)).body).toEqual({ ok: true });
    expect((await post(a.app, "acme", id)).body).toEqual({ ok: true });
    expect([...b.seen, ...a.seen]).toEqual([`globex:${id}`, `acme:${id}`]);

    const inbox = new RedisInbox(client(), { prefix });
    expect((await listInbox(inbox)).map((r) => [r.key, r.deliveryId, r.status]).sort()).toEqual([
      [`misskey:@tenant=acme:${id}`, id, "failed"],
      [`misskey:@tenant=globex:${id}`, id, "done"],
    ]);
    acmeDown = false;
    expect(await b.receiver.replay(`misskey:@tenant=acme:${id}`)).toBe(1);
    // Whichever instance's worker leases it first dispatches it.
    const end = Date.now() + 5000;
    while ((await inbox.get(`misskey:@tenant=acme:${id}`))?.status !== "done" && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await inbox.get(`misskey:@tenant=acme:${id}`))?.status).toBe("done");
    expect([...a.seen, ...b.seen].sort()).toEqual([`acme:${id}`, `acme:${id}`, `globex:${id}`]);
    expect((await post(a.app, "globex", id)).body).toEqual({ ok: true, duplicate: true });
  });
});
