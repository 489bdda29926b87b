import { diag, DiagLogLevel, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import express from "express";
import request from "supertest";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOkskyReceiver } from "../../lib/providers/oksky/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { okskyDelivery } from "../../lib/testing/samples/oksky.js";
import { webhookTracing } from "../../lib/tracing/index.js";
import { inMemoryTracing, isChildOf, spanNamed } from "./otel.js";

const SECRET = "misskey-secret";
const otel = inMemoryTracing();
otel.register();
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => void warnings.push(m), warn: (m) => void warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

afterEach(() => {
  otel.exporter.reset();
  warnings.length = 0;
});
afterAll(() => otel.shutdown());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function app(...receivers: { path: string; router: express.Router }[]) {
  const server = express();
  for (const { path, router } of receivers) server.use(path, router);
  return (path: string, delivery: Delivery) => request(server).post(path).set(delivery.headers).send(delivery.body);
}

describe("spans of real requests through real receivers (global SDK, default tracer)", () => {
  test("a delivery: SERVER span with its attributes; listeners as children; the user's span nested in its listener", async () => {
    const misskey = createMisskeyReceiver({ secret: SECRET, hooks: webhookTracing() });
    const tracer = trace.getTracer("user-code");
    misskey.on("note", async () => {
      await sleep(1);
      await tracer.startActiveSpan("save note", async (span) => {
        await sleep(1);
        span.end();
      });
    });
    misskey.onAny(() => undefined);
    const post = app({ path: "/misskey", router: misskey.router });
    const delivery = misskeyDelivery("note", { secret: SECRET });
    expect((await post("/misskey", delivery)).status).toBe(200);

    const spans = otel.spans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      "save note",
      "webhook misskey note",
      "webhook misskey note listener",
      "webhook misskey note listener",
    ]);
    const root = spanNamed(spans, "webhook misskey note");
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.status.code).toBe(SpanStatusCode.UNSET);
    expect(root.attributes).toEqual({
      "webhook.provider": "misskey",
      "http.request.method": "POST",
      "webhook.event": "note",
      "webhook.event.known": true,
      "webhook.delivery_id": delivery.payload.eventId,
      "webhook.outcome": "ok",
      "http.response.status_code": 200,
    });
    const listeners = spans.filter((s) => s.name === "webhook misskey note listener");
    for (const listener of listeners) {
      expect(isChildOf(listener, root)).toBe(true);
      expect(listener.attributes).toMatchObject({
        "webhook.provider": "misskey",
        "webhook.event": "note",
        "webhook.delivery_id": delivery.payload.eventId,
      });
    }
    const save = spanNamed(spans, "save note");
    expect(listeners.filter((l) => isChildOf(save, l))).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  test("a request made inside the caller's span (e.g. HTTP instrumentation) becomes its child", async () => {
    const misskey = createMisskeyReceiver({ secret: SECRET, hooks: webhookTracing({ tracer: otel.tracer }) });
    const outer = otel.tracer.startSpan("POST /misskey");
    await trace.getTracer("x").startActiveSpan("POST /misskey (active)", async (span) => {
      await misskey.receive(misskeyDelivery("follow", { secret: SECRET }));
      span.end();
    });
    outer.end();
    const spans = otel.spans();
    expect(isChildOf(spanNamed(spans, "webhook misskey follow"), spanNamed(spans, "POST /misskey (active)"))).toBe(true);
  });

  test("refusals and failures are recorded as errors, on the delivery span and on the failing listener's", async () => {
    const misskey = createMisskeyReceiver({ secret: SECRET, hooks: webhookTracing() }).onError(() => undefined);
    misskey.on("follow", () => undefined);
    misskey.on("follow", () => Promise.reject(new RangeError("listener bug")));
    const oksky = createOkskyReceiver({ secret: "oksky-secret", hooks: webhookTracing() }).onError(() => undefined);
    const post = app({ path: "/misskey", router: misskey.router }, { path: "/oksky", router: oksky.router });

    expect((await post("/misskey", misskeyDelivery("note", { secret: "forged" }))).status).toBe(401);
    const forged = spanNamed(otel.spans(), "webhook misskey");
    expect(forged.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "The X-Misskey-Hook-Secret header does not match the configured secret.",
    });
    expect(forged.attributes).toMatchObject({
      "webhook.outcome": "signature_mismatch",
      "http.response.status_code": 401,
      "error.type": "signature_mismatch",
    });
    expect(forged.events.map((e) => [e.name, e.attributes?.["exception.type"]])).toEqual([["exception", "signature_mismatch"]]); // the SDK takes an error's `code` as its type
    otel.exporter.reset();

    const failing = misskeyDelivery("follow", { secret: SECRET });
    expect((await post("/misskey", failing)).status).toBe(500);
    let spans = otel.spans();
    const root = spanNamed(spans, "webhook misskey follow");
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    expect(root.attributes).toMatchObject({
      "webhook.outcome": "handler_failed",
      "http.response.status_code": 500,
      "error.type": "handler_failed",
      "webhook.delivery_id": failing.payload.eventId,
    });
    const [ok, bad] = spans
      .filter((s) => s.name.endsWith("listener"))
      .sort((a, b) => Number(a.attributes["webhook.listener.index"]) - Number(b.attributes["webhook.listener.index"]));
    expect(ok!.status.code).toBe(SpanStatusCode.UNSET);
    expect(bad!.status).toEqual({ code: SpanStatusCode.ERROR, message: "listener bug" });
    expect(bad!.events[0]!.attributes).toMatchObject({ "exception.type": "RangeError", "exception.message": "listener bug" });
    expect(isChildOf(bad!, root)).toBe(true);
    otel.exporter.reset();

    // Invalid payload: the event name is known from the refusal.
    expect(
      (await post("/oksky", okskyDelivery("Message.create", { secret: "oksky-secret", overrides: { object: { id: "not a number" } } })))
        .status,
    ).toBe(200);
    spans = otel.spans();
    const invalid = spanNamed(spans, "webhook oksky");
    expect(invalid.status.code).toBe(SpanStatusCode.ERROR);
    expect(invalid.attributes).toMatchObject({
      "webhook.event": "Message.create",
      "webhook.outcome": "invalid_payload",
      "http.response.status_code": 200,
    });
    expect(warnings).toEqual([]);
  });

  test("listeners that outlive the answer (timeout, immediate ack) still get their spans, and nothing touches an ended span", async () => {
    const late = createMisskeyReceiver({ secret: SECRET, dispatchTimeoutMs: 10, hooks: webhookTracing() }).onError(() => undefined);
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    late.on("note", async () => {
      await sleep(40);
      finished();
      throw new Error("too late and wrong");
    });
    expect((await late.receive(misskeyDelivery("note", { secret: SECRET }))).status).toBe(503);
    await done;
    await sleep(5);
    let spans = otel.spans();
    const root = spanNamed(spans, "webhook misskey note");
    expect(root.attributes).toMatchObject({ "webhook.outcome": "dispatch_timeout", "http.response.status_code": 503 });
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    const listener = spanNamed(spans, "webhook misskey note listener");
    expect(isChildOf(listener, root)).toBe(true);
    expect(listener.status).toEqual({ code: SpanStatusCode.ERROR, message: "too late and wrong" });
    otel.exporter.reset();

    const immediate = createMisskeyReceiver({ secret: SECRET, ack: "immediate", hooks: webhookTracing() });
    const ran = new Promise<void>((resolve) =>
      immediate.on("note", () => {
        resolve();
      }),
    );
    expect((await immediate.receive(misskeyDelivery("note", { secret: SECRET }))).status).toBe(200);
    await ran;
    await sleep(5);
    spans = otel.spans();
    expect(isChildOf(spanNamed(spans, "webhook misskey note listener"), spanNamed(spans, "webhook misskey note"))).toBe(true);
    expect(warnings).toEqual([]);
  });

  test("an inbox retry gets a CONSUMER span of its own, with its listener as child", async () => {
    const inbox = new MemoryInbox();
    let calls = 0;
    const misskey = createMisskeyReceiver({
      secret: SECRET,
      hooks: webhookTracing(),
      inbox: { store: inbox, backoffMs: 1, maxBackoffMs: 1, pollIntervalMs: 60_000 },
    })
      .on("note", () => {
        calls++;
        if (calls === 1) throw new Error("first attempt fails");
      })
      .onError(() => undefined);
    try {
      const delivery = misskeyDelivery("note", { secret: SECRET });
      expect((await misskey.receive(delivery)).status).toBe(200);
      await sleep(5);
      await misskey.replay([]); // polls: the retry is due
      expect(calls).toBe(2);
      const spans = otel.spans();
      const [request, retry] = spans.filter((s) => s.name === "webhook misskey note");
      expect(request!.kind).toBe(SpanKind.SERVER);
      expect(request!.attributes["webhook.outcome"]).toBe("ok");
      expect(retry!.kind).toBe(SpanKind.CONSUMER);
      expect(retry!.attributes).toEqual({
        "webhook.provider": "misskey",
        "webhook.retry": true,
        "webhook.event": "note",
        "webhook.event.known": true,
        "webhook.delivery_id": delivery.payload.eventId,
        "webhook.outcome": "ok",
      });
      const listeners = spans.filter((s) => s.name.endsWith("listener"));
      expect(listeners).toHaveLength(2);
      expect(listeners.filter((l) => isChildOf(l, request!))).toHaveLength(1);
      expect(listeners.filter((l) => isChildOf(l, retry!))).toHaveLength(1);
      expect(listeners.find((l) => isChildOf(l, request!))!.status.code).toBe(SpanStatusCode.ERROR);
      expect(retry!.spanContext().traceId).not.toBe(request!.spanContext().traceId);
    } finally {
      await misskey.close();
    }
  });
});
