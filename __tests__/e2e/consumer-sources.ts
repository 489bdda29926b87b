// Sources of the consumer project that package.test.ts installs the packed tarball into.
// Kept as strings, not files: the repo's own typecheck and lint must not resolve
// "express-webhook-receivers" (dist/ does not exist before the build).

/**
 * An ESM app that sends one delivery through every optional part, over HTTP through
 * Express: RedisStore (dedupe), RedisInbox, SqliteInbox, a transactional PostgresInbox,
 * PostgresStore (dedupe), BullmqHandoff with a createBullmqWorker worker, webhookMetrics
 * and webhookTracing. Reads REDIS_URL, SQLITE_PATH and PG_URL; prints one JSON line.
 */
export const OPTIONAL_PARTS_APP = `
import express from "express";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import pg from "pg";
import { Queue } from "bullmq";
import {
  createMisskeyReceiver, createOkskyReceiver, createPokepayReceiver, createOneInboxReceiver, createKakaoBizmessageReceiver,
  createNhnCloudReceiver, RedisStore, RedisInbox, SqliteInbox,
} from "express-webhook-receivers";
import { misskeyDelivery, okskyDelivery, pokepayDelivery, oneInboxDelivery, kakaoBizmessageDelivery, nhnCloudDelivery } from "express-webhook-receivers/testing";
import { webhookMetrics } from "express-webhook-receivers/metrics";
import { webhookTracing } from "express-webhook-receivers/tracing";
import { PostgresInbox, PostgresStore } from "express-webhook-receivers/postgres";
import { BullmqHandoff, createBullmqWorker } from "express-webhook-receivers/bullmq";

// A recording tracer: @opentelemetry/sdk-trace-base's peer range stops below the
// newest @opentelemetry/api, and only the API is our peer.
const spans = [];
const tracer = {
  startSpan(name) {
    const span = {
      name, ended: false,
      setAttribute() { return span; }, setAttributes() { return span; }, updateName(next) { span.name = next; return span; },
      setStatus() { return span; }, recordException() {}, addEvent() { return span; }, isRecording: () => true,
      spanContext: () => ({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 }),
      end() { span.ended = true; },
    };
    spans.push(span);
    return span;
  },
};

const redis = new Redis(process.env.REDIS_URL);
const sqlite = new SqliteInbox({ path: process.env.SQLITE_PATH });
const redisInbox = new RedisInbox(redis);
const registry = new Registry();
const metrics = webhookMetrics({ registry });
const hooks = [metrics.hooks, webhookTracing({ tracer })];

// PostgreSQL through the application's own pg (connectionString): the inbox and the store
// load it from this project's node_modules. The listener's row commits with "done".
const db = new pg.Client({ connectionString: process.env.PG_URL });
await db.connect();
await db.query("CREATE TABLE calls (call_id text PRIMARY KEY, outcome text NOT NULL)");
const postgresInbox = new PostgresInbox({ connectionString: process.env.PG_URL, transactional: true });
await postgresInbox.createSchema();
const postgresDedupe = new PostgresStore({ connectionString: process.env.PG_URL });
await postgresDedupe.createSchema();

// BullMQ on the same Redis: the ingest receiver enqueues, the worker's receiver runs listeners.
const connection = { url: process.env.REDIS_URL };
const queue = new Queue("consumer-webhooks", { connection });

const seen = { misskey: 0, oksky: [], pokepay: [], kakao: 0, nhn: [] };
const misskey = createMisskeyReceiver({ secret: "s", dedupe: new RedisStore(redis, { prefix: "consumer:" }), hooks });
misskey.on("note", () => { seen.misskey += 1; });
const oksky = createOkskyReceiver({ secret: "s", inbox: redisInbox, hooks });
oksky.on("Message.create", (e) => { seen.oksky.push(e.payload.object.content); });
const pokepay = createPokepayReceiver({ auth: { token: "t" }, inbox: sqlite, hooks });
pokepay.on("process_user_stats_operation", (e) => { seen.pokepay.push(e.payload.operation_id); });
const oneinbox = createOneInboxReceiver({ auth: { token: "t" }, inbox: postgresInbox, hooks });
oneinbox.on("call.ended", async (e) => {
  await postgresInbox.transactionOf(e).query("INSERT INTO calls (call_id, outcome) VALUES ($1, $2)", [e.payload.call_id, e.payload.outcome]);
});
const kakao = createKakaoBizmessageReceiver({ secret: "s", dedupe: postgresDedupe, hooks });
kakao.on("MESSAGE_RESULT_UPDATE", () => { seen.kakao += 1; });
const nhnIngest = createNhnCloudReceiver({ secret: "s", queue: new BullmqHandoff(queue), hooks });
const nhnWork = createNhnCloudReceiver({ secret: "s", hooks });
nhnWork.on("SMS/CONVERSION_BLOCK", (e) => { seen.nhn.push(e.payload.hooksId); });
const worker = createBullmqWorker(nhnWork, { connection, queue: queue.name });

const app = express();
app.use("/hooks/misskey", misskey.router);
app.use("/hooks/oksky", oksky.router);
app.use("/hooks/pokepay", pokepay.router);
app.use("/hooks/oneinbox", oneinbox.router);
app.use("/hooks/kakao", kakao.router);
app.use("/hooks/nhn", nhnIngest.router);
const server = await new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
const send = (path, d) => fetch("http://127.0.0.1:" + server.address().port + path, { method: "POST", headers: d.headers, body: d.body });
const post = async (path, d) => (await send(path, d)).status;
const answer = async (path, d) => { const response = await send(path, d); return [response.status, await response.json()]; };
const settled = async (inbox) => {
  for (let i = 0; i < 200; i += 1) {
    const counts = await inbox.counts();
    if (counts.pending === 0) return counts;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return inbox.counts();
};

const note = misskeyDelivery("note", { secret: "s" });
const misskeyStatuses = [await post("/hooks/misskey", note), await post("/hooks/misskey", note)];
const message = okskyDelivery("Message.create", { secret: "s", contentType: "multipart/form-data" });
const okskyStatus = await post("/hooks/oksky", message);
const operation = pokepayDelivery("process_user_stats_operation", { token: "t" });
const pokepayStatus = await post("/hooks/pokepay", operation);
const call = oneInboxDelivery("call.ended", { token: "t" });
const oneinboxStatus = await post("/hooks/oneinbox", call);
const update = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "s" });
const kakaoStatuses = [await post("/hooks/kakao", update), await post("/hooks/kakao", update)];
const block = nhnCloudDelivery("SMS/CONVERSION_BLOCK", { secret: "s" });
const blockAnswer = await answer("/hooks/nhn", block);
const completed = async () => {
  for (let i = 0; i < 400 && (await queue.getJobCounts("completed")).completed === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  return queue.getJobCounts("completed", "failed", "waiting", "active", "delayed");
};
const jobsBefore = await completed();
// A resend once its job is done: answered as a duplicate, nothing enqueued or run again.
const resendAnswer = await answer("/hooks/nhn", block);
await new Promise((resolve) => setTimeout(resolve, 300));

const out = {
  misskey: { statuses: misskeyStatuses, dispatched: seen.misskey, dedupeKeys: (await redis.keys("consumer:*")).length },
  oksky: { status: okskyStatus, contents: seen.oksky, expected: message.payload.object.content, inbox: await settled(redisInbox) },
  pokepay: { status: pokepayStatus, ids: seen.pokepay, expected: operation.payload.operation_id, inbox: await settled(sqlite) },
  postgresInbox: {
    status: oneinboxStatus,
    inbox: await settled(postgresInbox),
    rows: (await db.query("SELECT call_id, outcome FROM calls")).rows,
    expected: { call_id: call.payload.call_id, outcome: call.payload.outcome },
  },
  postgresStore: { statuses: kakaoStatuses, dispatched: seen.kakao, dedupeKeys: Number((await db.query("SELECT count(*) FROM ewr_dedupe")).rows[0].count) },
  bullmq: {
    answers: [blockAnswer, resendAnswer],
    ran: seen.nhn,
    expected: block.payload.hooksId,
    jobsBefore,
    jobsAfter: await queue.getJobCounts("completed", "failed", "waiting", "active", "delayed"),
  },
  requests: (await registry.metrics()).split("\\n").filter((line) => line.startsWith("webhook_requests_total{")).sort(),
  spans: spans.filter((span) => span.ended).map((span) => span.name).sort(),
};
await Promise.all([misskey.close(), oksky.close(), pokepay.close(), oneinbox.close(), kakao.close(), nhnIngest.close(), nhnWork.close()]);
await worker.close();
await queue.close();
await Promise.all([sqlite.close(), postgresInbox.close(), postgresDedupe.close(), db.end()]);
server.close();
redis.disconnect();
console.log(JSON.stringify(out));
`;

/**
 * A TypeScript consumer importing every subpath. Each `@ts-expect-error` fails the
 * compile if its import resolved to nothing (an untyped `any` accepts everything).
 */
export const TYPED_CONSUMER = `
import express from "express";
import { createMisskeyReceiver, createOkskyReceiver, RedisStore, RedisInbox, SqliteInbox, type WebhookError } from "express-webhook-receivers";
import { createMisskeyReceiver as misskeyFromSubpath, MISSKEY_SECRET_HEADER } from "express-webhook-receivers/misskey";
import { createOkskyReceiver as okskyFromSubpath } from "express-webhook-receivers/oksky";
import { createKakaoBizmessageReceiver } from "express-webhook-receivers/kakao-bizmessage";
import { createOneInboxReceiver } from "express-webhook-receivers/oneinbox";
import { createPokepayReceiver } from "express-webhook-receivers/pokepay";
import { misskeyDelivery, okskyEventNames, type Delivery } from "express-webhook-receivers/testing";
import { webhookMetrics } from "express-webhook-receivers/metrics";
import { webhookTracing } from "express-webhook-receivers/tracing";
import { PostgresInbox, PostgresStore, postgresInboxSchema } from "express-webhook-receivers/postgres";
import { BullmqHandoff, createBullmqWorker } from "express-webhook-receivers/bullmq";
import { Queue } from "bullmq";

const app = express();
const misskey = createMisskeyReceiver({ secret: "s" });
misskey.on("note", (e) => {
  const text: string | null | undefined = e.payload.body.note.text;
  // @ts-expect-error: the text is a string, not a number
  const wrong: number = e.payload.body.note.text;
  return void [text, wrong];
});
app.use("/hooks/misskey", misskey.router);
const delivery: Delivery = misskeyDelivery("note", { secret: "s" });
// @ts-expect-error: not a Misskey event
misskeyDelivery("not-an-event");
// @ts-expect-error: a secret is a string or a resolver
misskeyFromSubpath({ secret: 1234 });
// @ts-expect-error: not an OK SKY event
okskyFromSubpath({ secret: "s" }).on("Nope.create", () => undefined);
// @ts-expect-error: not a KakaoTalk Bizmessage event
createKakaoBizmessageReceiver({ secret: "s" }).on("NOPE", () => undefined);
// @ts-expect-error: not a OneInbox event
createOneInboxReceiver({ auth: { token: "t" } }).on("NOPE", () => undefined);
// @ts-expect-error: not a Pokepay event
createPokepayReceiver({ auth: { token: "t" } }).on("NOPE", () => undefined);
// @ts-expect-error: not a prom-client registry
webhookMetrics({ registry: 1 });
// @ts-expect-error: not an OpenTelemetry tracer
webhookTracing({ tracer: 1 });
const names: readonly string[] = okskyEventNames;

// PostgreSQL without @types/pg: the declarations type pg structurally.
const inbox = new PostgresInbox({ connectionString: "postgres://localhost/app", transactional: true });
const calls = createOneInboxReceiver({ auth: { token: "t" }, inbox });
calls.on("call.ended", async (e) => {
  const { rows, rowCount } = await inbox.transactionOf(e).query("INSERT INTO calls (call_id) VALUES ($1)", [e.payload.call_id]);
  // @ts-expect-error: SQL text, not a number
  await inbox.transactionOf(e).query(1);
  // @ts-expect-error: a row count is a number or null
  const wrong: string = rowCount;
  return void [rows, wrong];
});
const schema: string = postgresInboxSchema({ table: "app.webhook_inbox" });
// @ts-expect-error: a table name is a string
postgresInboxSchema({ table: 1 });
// @ts-expect-error: a dedupe store takes a pool or a connectionString, not a number
new PostgresStore({ pool: 1 });

// BullMQ: the hand-off takes a Queue, the worker the queue's name.
const connection = { host: "127.0.0.1", port: 6379 };
createMisskeyReceiver({ secret: "s", queue: new BullmqHandoff(new Queue("webhooks", { connection }), { maxAttempts: 5 }) });
const worker = createBullmqWorker(misskey, { connection, queue: "webhooks" });
// @ts-expect-error: the queue's name, not a number
createBullmqWorker(misskey, { connection, queue: 1 });
// @ts-expect-error: a BullMQ Queue, not its name
new BullmqHandoff("webhooks");

export const used = [delivery, names, MISSKEY_SECRET_HEADER, createOkskyReceiver, RedisStore, RedisInbox, SqliteInbox, schema, worker] as const;
export type Failure = WebhookError;
`;
