import { Counter, Registry, register } from "prom-client";
import { WebhookError } from "../../lib/core/errors.js";
import type { ReceiverHooks } from "../../lib/core/hooks.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { outcomeLabel } from "../../lib/metrics/outcome-label.js";
import { find, scrape, seriesOf, valueOf } from "./scrape.js";

/** Calls a hook the way the pipeline does (every one of ours is defined). */
function call<K extends keyof ReceiverHooks>(hooks: ReceiverHooks, name: K, info: Parameters<NonNullable<ReceiverHooks[K]>>[0]): void {
  const hook = hooks[name] as ((info: unknown) => void) | undefined;
  hook?.call(hooks, info);
}

const base = (provider = "misskey") => ({ provider, attempt: {} });

describe("webhookMetrics hooks, called directly", () => {
  test("a dispatched request counts once per metric, with exact labels", async () => {
    const registry = new Registry();
    const { hooks } = webhookMetrics({ registry });
    const token = base();
    call(hooks, "onRequest", { ...token, method: "POST" });
    call(hooks, "onVerified", { ...token, event: "note", known: true, deliveryId: "d1", durationMs: 1 });
    call(hooks, "onDispatched", { ...token, event: "note", known: true, deliveryId: "d1", durationMs: 250, retry: false });
    call(hooks, "onResponse", { ...token, status: 200, outcome: "ok", event: "note", known: true, deliveryId: "d1", durationMs: 300 });

    const samples = await scrape(registry);
    expect(seriesOf(samples, "webhook_requests_total")).toEqual({ "outcome=ok,provider=misskey,status=200": 1 });
    expect(seriesOf(samples, "webhook_events_total")).toEqual({ "event=note,provider=misskey,result=dispatched": 1 });
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_count", { provider: "misskey", event: "note" })).toBe(1);
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_sum", { provider: "misskey", event: "note" })).toBeCloseTo(0.25);
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_bucket", { provider: "misskey", event: "note", le: "0.1" })).toBe(0);
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_bucket", { provider: "misskey", event: "note", le: "0.25" })).toBe(1);
    expect(valueOf(samples, "webhook_request_duration_seconds_sum", { provider: "misskey", outcome: "ok" })).toBeCloseTo(0.3);
    expect(seriesOf(samples, "webhook_duplicates_total")).toEqual({});
    // No delivery id anywhere in the exposition.
    expect(samples.some((s) => Object.values(s.labels).includes("d1"))).toBe(false);
  });

  test("unknown event names collapse to one label; knownEvents lets chosen ones through", async () => {
    const registry = new Registry();
    const { hooks } = webhookMetrics({ registry, knownEvents: ["custom.thing"] });
    for (const event of ["made-up-1", "made-up-2", "custom.thing"]) {
      call(hooks, "onDispatched", { ...base(), event, known: false, deliveryId: undefined, durationMs: 1, retry: false });
    }
    expect(seriesOf(await scrape(registry), "webhook_events_total")).toEqual({
      "event=unknown,provider=misskey,result=dispatched": 2,
      "event=custom.thing,provider=misskey,result=dispatched": 1,
    });
  });

  test("failed, duplicate and invalid results; duplicates counted", async () => {
    const registry = new Registry();
    const { hooks } = webhookMetrics({ registry });
    const error = new WebhookError("handler_failed", "A listener failed.");
    call(hooks, "onFailed", {
      ...base(),
      event: "note",
      known: true,
      deliveryId: "x",
      durationMs: 5,
      retry: true,
      code: "handler_failed",
      error,
    });
    call(hooks, "onResponse", { ...base(), status: 200, outcome: "duplicate", event: "note", known: true, deliveryId: "x", durationMs: 1 });
    call(hooks, "onResponse", { ...base(), status: 200, outcome: "duplicate", event: "zzz", known: false, deliveryId: "y", durationMs: 1 });
    const invalid = new WebhookError("invalid_payload", "bad");
    call(hooks, "onRejected", { ...base(), code: "invalid_payload", status: 400, event: "follow", durationMs: 1, error: invalid });
    const forged = new WebhookError("signature_mismatch", "no");
    call(hooks, "onRejected", { ...base(), code: "signature_mismatch", status: 401, event: undefined, durationMs: 1, error: forged });

    const samples = await scrape(registry);
    expect(seriesOf(samples, "webhook_events_total")).toEqual({
      "event=note,provider=misskey,result=failed": 1,
      "event=note,provider=misskey,result=duplicate": 1,
      "event=unknown,provider=misskey,result=duplicate": 1,
      "event=follow,provider=misskey,result=invalid": 1,
    });
    expect(seriesOf(samples, "webhook_duplicates_total")).toEqual({ "provider=misskey": 2 });
    expect(valueOf(samples, "webhook_dispatch_duration_seconds_count", { provider: "misskey", event: "note" })).toBe(1);
  });

  test("outcome labels come from a fixed set", () => {
    expect(outcomeLabel("ok")).toBe("ok");
    expect(outcomeLabel("signature_mismatch")).toBe("signature_mismatch");
    expect(outcomeLabel("something-new")).toBe("other");
    expect(outcomeLabel("toString")).toBe("other");
  });

  test("names follow the prefix; a bad prefix is refused", async () => {
    const registry = new Registry();
    const { hooks } = webhookMetrics({ registry, prefix: "myapp_hooks_" });
    call(hooks, "onResponse", {
      ...base("oksky"),
      status: 401,
      outcome: "signature_missing",
      event: undefined,
      known: undefined,
      deliveryId: undefined,
      durationMs: 2,
    });
    const samples = await scrape(registry);
    expect(valueOf(samples, "myapp_hooks_requests_total", { provider: "oksky", outcome: "signature_missing", status: "401" })).toBe(1);
    expect(find(samples, "webhook_requests_total")).toEqual([]);
    expect(() => webhookMetrics({ registry, prefix: "my-app " })).toThrow(TypeError);
  });

  test("custom buckets", async () => {
    const registry = new Registry();
    const { hooks } = webhookMetrics({ registry, buckets: [0.5, 2] });
    call(hooks, "onDispatched", { ...base(), event: "note", known: true, deliveryId: undefined, durationMs: 1000, retry: false });
    const buckets = find(await scrape(registry), "webhook_dispatch_duration_seconds_bucket", { provider: "misskey", event: "note" });
    expect(buckets.map((b) => [b.labels.le, b.value])).toEqual([
      ["0.5", 0],
      ["2", 1],
      ["+Inf", 1],
    ]);
  });
});

describe("registration", () => {
  test("webhookMetrics twice on one registry shares the metrics instead of throwing", async () => {
    const registry = new Registry();
    const first = webhookMetrics({ registry });
    const second = webhookMetrics({ registry });
    for (const { hooks } of [first, second]) {
      call(hooks, "onResponse", {
        ...base(),
        status: 200,
        outcome: "ok",
        event: "note",
        known: true,
        deliveryId: undefined,
        durationMs: 1,
      });
    }
    expect(valueOf(await scrape(registry), "webhook_requests_total", { provider: "misskey", outcome: "ok", status: "200" })).toBe(2);
  });

  test("a same-named metric of another shape is refused with a clear error", () => {
    const registry = new Registry();
    new Counter({ name: "webhook_requests_total", help: "someone else's", labelNames: ["path"], registers: [registry] });
    expect(() => webhookMetrics({ registry })).toThrow(/another metric named "webhook_requests_total"/);
  });

  test("the default registry is prom-client's global one", async () => {
    try {
      const { hooks } = webhookMetrics();
      webhookMetrics();
      call(hooks, "onResponse", {
        ...base(),
        status: 405,
        outcome: "method_not_allowed",
        event: undefined,
        known: undefined,
        deliveryId: undefined,
        durationMs: 0,
      });
      expect(
        valueOf(await scrape(register), "webhook_requests_total", { provider: "misskey", outcome: "method_not_allowed", status: "405" }),
      ).toBe(1);
    } finally {
      register.clear();
    }
  });
});
