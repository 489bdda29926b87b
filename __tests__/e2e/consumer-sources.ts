// Sources of the consumer project that package.test.ts installs the packed tarball into.
// Kept as strings, not files: the repo's own typecheck and lint must not resolve
// "express-webhook-receivers" (dist/ does not exist before the build).

/**
 * An ESM app that sends one delivery through every optional part, over HTTP through
 * Express: RedisStore (dedupe), RedisInbox, SqliteInbox, webhookMetrics and
 * webhookTracing. Reads REDIS_URL and SQLITE_PATH; prints one JSON line.
 */
export const OPTIONAL_PARTS_APP = `
import express from "express";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createMisskeyReceiver, createOkskyReceiver, createPokepayReceiver, RedisStore, RedisInbox, SqliteInbox } from "express-webhook-receivers";
import { misskeyDelivery, okskyDelivery, pokepayDelivery } from "express-webhook-receivers/testing";
import { webhookMetrics } from "express-webhook-receivers/metrics";
import { webhookTracing } from "express-webhook-receivers/tracing";

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

const seen = { misskey: 0, oksky: [], pokepay: [] };
const misskey = createMisskeyReceiver({ secret: "s", dedupe: new RedisStore(redis, { prefix: "consumer:" }), hooks });
misskey.on("note", () => { seen.misskey += 1; });
const oksky = createOkskyReceiver({ secret: "s", inbox: redisInbox, hooks });
oksky.on("Message.create", (e) => { seen.oksky.push(e.payload.object.content); });
const pokepay = createPokepayReceiver({ auth: { token: "t" }, inbox: sqlite, hooks });
pokepay.on("process_user_stats_operation", (e) => { seen.pokepay.push(e.payload.operation_id); });

const app = express();
app.use("/hooks/misskey", misskey.router);
app.use("/hooks/oksky", oksky.router);
app.use("/hooks/pokepay", pokepay.router);
const server = await new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
const post = async (path, d) =>
  (await fetch("http://127.0.0.1:" + server.address().port + path, { method: "POST", headers: d.headers, body: d.body })).status;
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

const result = {
  misskey: { statuses: misskeyStatuses, dispatched: seen.misskey, dedupeKeys: (await redis.keys("consumer:*")).length },
  oksky: { status: okskyStatus, contents: seen.oksky, expected: message.payload.object.content, inbox: await settled(redisInbox) },
  pokepay: { status: pokepayStatus, ids: seen.pokepay, expected: operation.payload.operation_id, inbox: await settled(sqlite) },
  requests: (await registry.metrics()).split("\\n").filter((line) => line.startsWith("webhook_requests_total{")).sort(),
  spans: spans.filter((span) => span.ended).map((span) => span.name).sort(),
};
await Promise.all([misskey.close(), oksky.close(), pokepay.close()]);
await sqlite.close();
server.close();
redis.disconnect();
console.log(JSON.stringify(result));
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
export const used = [delivery, names, MISSKEY_SECRET_HEADER, createOkskyReceiver, RedisStore, RedisInbox, SqliteInbox] as const;
export type Failure = WebhookError;
`;
