import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { WebhookError } from "../../lib/core/errors.js";
import type { ReceiverHooks } from "../../lib/core/hooks.js";
import { webhookTracing } from "../../lib/tracing/index.js";
import { inMemoryTracing, isChildOf, spanNamed } from "./otel.js";

type Hooks = Required<ReceiverHooks>;

const otel = inMemoryTracing();
afterEach(() => {
  otel.exporter.reset();
});
afterAll(() => otel.shutdown());

function hooksOf(): Hooks {
  return webhookTracing({ tracer: otel.tracer }) as Hooks;
}

describe("webhookTracing hooks, called directly", () => {
  test("a request: one SERVER span renamed once verified, a child span per listener, user spans nested", async () => {
    const hooks = hooksOf();
    const attempt = {};
    hooks.onRequest({ provider: "misskey", attempt, method: "POST" });
    hooks.onVerified({ provider: "misskey", attempt, event: "note", known: true, deliveryId: "d-1", durationMs: 1 });
    const result = await hooks.aroundListener(
      { provider: "misskey", attempt, event: "note", deliveryId: "d-1", index: 0, known: true },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        otel.tracer.startActiveSpan("user work", (span) => {
          span.end();
        });
        return "listener result";
      },
    );
    expect(result).toBe("listener result");
    expect(hooks.aroundListener({ provider: "misskey", attempt, event: "note", deliveryId: "d-1", index: 1, known: true }, () => 42)).toBe(
      42,
    );
    hooks.onDispatched({ provider: "misskey", attempt, event: "note", known: true, deliveryId: "d-1", durationMs: 3, retry: false });
    hooks.onResponse({
      provider: "misskey",
      attempt,
      status: 200,
      outcome: "ok",
      event: "note",
      known: true,
      deliveryId: "d-1",
      durationMs: 4,
    });

    const spans = otel.spans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      "user work",
      "webhook misskey note",
      "webhook misskey note listener",
      "webhook misskey note listener",
    ]);
    const delivery = spanNamed(spans, "webhook misskey note");
    expect(delivery.kind).toBe(SpanKind.SERVER);
    expect(delivery.parentSpanContext).toBeUndefined();
    expect(delivery.status.code).toBe(SpanStatusCode.UNSET);
    expect(delivery.attributes).toEqual({
      "webhook.provider": "misskey",
      "http.request.method": "POST",
      "webhook.event": "note",
      "webhook.event.known": true,
      "webhook.delivery_id": "d-1",
      "webhook.outcome": "ok",
      "http.response.status_code": 200,
    });
    const listeners = spans.filter((s) => s.name.endsWith("listener"));
    expect(listeners.map((s) => s.attributes["webhook.listener.index"]).sort()).toEqual([0, 1]);
    for (const listener of listeners) {
      expect(isChildOf(listener, delivery)).toBe(true);
      expect(listener.kind).toBe(SpanKind.INTERNAL);
    }
    const first = listeners.find((s) => s.attributes["webhook.listener.index"] === 0)!;
    expect(isChildOf(spanNamed(spans, "user work"), first)).toBe(true);
  });

  test("a listener that throws or rejects: its span records the exception, the error propagates", async () => {
    const hooks = hooksOf();
    const attempt = {};
    hooks.onRequest({ provider: "misskey", attempt, method: "POST" });
    hooks.onVerified({ provider: "misskey", attempt, event: "note", known: true, deliveryId: undefined, durationMs: 1 });
    const info = { provider: "misskey", attempt, event: "note", deliveryId: undefined, index: 0, known: true };
    expect(() =>
      hooks.aroundListener(info, () => {
        throw new TypeError("sync boom");
      }),
    ).toThrow("sync boom");
    await expect(hooks.aroundListener({ ...info, index: 1 }, () => Promise.reject(new Error("async boom")))).rejects.toThrow("async boom");
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless listener does
    await expect(hooks.aroundListener({ ...info, index: 2 }, () => Promise.reject("a string"))).rejects.toBe("a string");

    const listeners = otel
      .spans()
      .sort((a, b) => Number(a.attributes["webhook.listener.index"]) - Number(b.attributes["webhook.listener.index"]));
    expect(listeners.map((s) => [s.status.code, s.status.message])).toEqual([
      [SpanStatusCode.ERROR, "sync boom"],
      [SpanStatusCode.ERROR, "async boom"],
      [SpanStatusCode.ERROR, "a string"],
    ]);
    expect(listeners[0]!.events[0]!.name).toBe("exception");
    expect(listeners[0]!.events[0]!.attributes!["exception.type"]).toBe("TypeError");
    expect(listeners[2]!.events[0]!.attributes!["exception.message"]).toBe("a string");
  });

  test("a refused request: ERROR status, the exception, the error code; unknown event names stay out of the span name", () => {
    const hooks = hooksOf();
    const forged = {};
    hooks.onRequest({ provider: "oksky", attempt: forged, method: "POST" });
    const error = new WebhookError("signature_mismatch", "The secret does not match.", { provider: "oksky" });
    hooks.onRejected({
      provider: "oksky",
      attempt: forged,
      code: "signature_mismatch",
      status: 401,
      event: undefined,
      durationMs: 1,
      error,
    });
    hooks.onResponse({
      provider: "oksky",
      attempt: forged,
      status: 401,
      outcome: "signature_mismatch",
      event: undefined,
      known: undefined,
      deliveryId: undefined,
      durationMs: 1,
    });
    const unknown = {};
    hooks.onRequest({ provider: "oksky", attempt: unknown, method: "POST" });
    hooks.onVerified({ provider: "oksky", attempt: unknown, event: "Whatever.new", known: false, deliveryId: undefined, durationMs: 1 });
    hooks.onResponse({
      provider: "oksky",
      attempt: unknown,
      status: 200,
      outcome: "ok",
      event: "Whatever.new",
      known: false,
      deliveryId: undefined,
      durationMs: 1,
    });

    const [refused, other] = otel.spans();
    expect(refused!.name).toBe("webhook oksky");
    expect(refused!.status).toEqual({ code: SpanStatusCode.ERROR, message: "The secret does not match." });
    expect(refused!.attributes).toMatchObject({
      "error.type": "signature_mismatch",
      "webhook.outcome": "signature_mismatch",
      "http.response.status_code": 401,
    });
    expect(refused!.events.map((e) => [e.name, e.attributes!["exception.message"]])).toEqual([["exception", "The secret does not match."]]);
    expect(other!.name).toBe("webhook oksky");
    expect(other!.attributes).toMatchObject({ "webhook.event": "Whatever.new", "webhook.event.known": false });
  });

  test("the request method attribute is a known method or _OTHER", () => {
    const hooks = hooksOf();
    for (const method of ["post", "BREW"]) {
      const attempt = {};
      hooks.onRequest({ provider: "misskey", attempt, method });
      hooks.onResponse({
        provider: "misskey",
        attempt,
        status: 405,
        outcome: "method_not_allowed",
        event: undefined,
        known: undefined,
        deliveryId: undefined,
        durationMs: 0,
      });
    }
    expect(otel.spans().map((s) => s.attributes["http.request.method"])).toEqual(["POST", "_OTHER"]);
  });

  test("an outcome that is a failure without an onFailed (e.g. a timeout) still marks the span", () => {
    const hooks = hooksOf();
    const attempt = {};
    hooks.onRequest({ provider: "misskey", attempt, method: "POST" });
    hooks.onResponse({
      provider: "misskey",
      attempt,
      status: 503,
      outcome: "store_unavailable",
      event: "note",
      known: true,
      deliveryId: "x",
      durationMs: 1,
    });
    const [span] = otel.spans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: "store_unavailable" });
    expect(span!.attributes["error.type"]).toBe("store_unavailable");
  });

  test("a failed dispatch marks the request span; an inbox retry gets a CONSUMER span of its own", async () => {
    const hooks = hooksOf();
    const request = {};
    hooks.onRequest({ provider: "misskey", attempt: request, method: "POST" });
    hooks.onVerified({ provider: "misskey", attempt: request, event: "follow", known: true, deliveryId: "d-9", durationMs: 1 });
    const error = new WebhookError("handler_failed", 'A listener failed for "follow".');
    hooks.onFailed({
      provider: "misskey",
      attempt: request,
      event: "follow",
      known: true,
      deliveryId: "d-9",
      durationMs: 1,
      retry: false,
      code: "handler_failed",
      error,
    });
    hooks.onResponse({
      provider: "misskey",
      attempt: request,
      status: 500,
      outcome: "handler_failed",
      event: "follow",
      known: true,
      deliveryId: "d-9",
      durationMs: 2,
    });

    const retry = {};
    await hooks.aroundListener({ provider: "misskey", attempt: retry, event: "follow", deliveryId: "d-9", index: 0, known: true }, () =>
      Promise.resolve(),
    );
    hooks.onDispatched({
      provider: "misskey",
      attempt: retry,
      event: "follow",
      known: true,
      deliveryId: "d-9",
      durationMs: 1,
      retry: true,
    });
    // A retry with no listener at all: its span is made at its end.
    const bare = {};
    hooks.onFailed({
      provider: "misskey",
      attempt: bare,
      event: "zzz",
      known: false,
      deliveryId: "d-10",
      durationMs: 7,
      retry: true,
      code: "handler_failed",
      error,
    });

    const spans = otel.spans();
    const [requestSpan, retryListener, retrySpan, bareSpan] = spans;
    expect(requestSpan!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'A listener failed for "follow".' });
    expect(requestSpan!.attributes["error.type"]).toBe("handler_failed");
    expect(retrySpan!.name).toBe("webhook misskey follow");
    expect(retrySpan!.kind).toBe(SpanKind.CONSUMER);
    expect(retrySpan!.attributes).toEqual({
      "webhook.provider": "misskey",
      "webhook.retry": true,
      "webhook.event": "follow",
      "webhook.event.known": true,
      "webhook.delivery_id": "d-9",
      "webhook.outcome": "ok",
    });
    expect(retryListener!.name).toBe("webhook misskey listener");
    expect(isChildOf(retryListener!, retrySpan!)).toBe(true);
    expect(retryListener!.spanContext().traceId).not.toBe(requestSpan!.spanContext().traceId);
    expect(bareSpan!.name).toBe("webhook misskey");
    expect(bareSpan!.status.code).toBe(SpanStatusCode.ERROR);
    expect(bareSpan!.attributes).toMatchObject({ "webhook.outcome": "handler_failed", "webhook.event": "zzz", "webhook.retry": true });
  });

  test("a replayed record (first attempt again, no request) also gets its span, ended with its dispatch", async () => {
    const hooks = hooksOf();
    const replay = {};
    await hooks.aroundListener(
      { provider: "oksky", attempt: replay, event: "Message.create", deliveryId: undefined, index: 0, known: true },
      () => Promise.resolve(),
    );
    hooks.onDispatched({
      provider: "oksky",
      attempt: replay,
      event: "Message.create",
      known: true,
      deliveryId: undefined,
      durationMs: 2,
      retry: false,
    });
    const [listener, span] = otel.spans();
    expect(span!.name).toBe("webhook oksky Message.create");
    expect(span!.ended).toBe(true);
    expect(span!.kind).toBe(SpanKind.CONSUMER);
    expect(isChildOf(listener!, span!)).toBe(true);
  });

  test("the default tracer follows the globally registered provider", () => {
    const hooks = webhookTracing() as Hooks;
    const before = {};
    hooks.onRequest({ provider: "pokepay", attempt: before, method: "POST" });
    hooks.onResponse({
      provider: "pokepay",
      attempt: before,
      status: 200,
      outcome: "ok",
      event: undefined,
      known: undefined,
      deliveryId: undefined,
      durationMs: 1,
    });
    expect(otel.spans()).toEqual([]);
    otel.register();
    try {
      const after = {};
      hooks.onRequest({ provider: "pokepay", attempt: after, method: "POST" });
      hooks.onResponse({
        provider: "pokepay",
        attempt: after,
        status: 200,
        outcome: "ok",
        event: undefined,
        known: undefined,
        deliveryId: undefined,
        durationMs: 1,
      });
      expect(otel.spans().map((s) => [s.name, s.instrumentationScope.name])).toEqual([["webhook pokepay", "express-webhook-receivers"]]);
    } finally {
      trace.disable();
    }
  });
});
