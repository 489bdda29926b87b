import express from "express";
import { Registry } from "prom-client";
import request from "supertest";
import type { WebhookError } from "../../lib/core/errors.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOkskyReceiver } from "../../lib/providers/oksky/index.js";
import { createPokepayReceiver } from "../../lib/providers/pokepay/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { okskyDelivery } from "../../lib/testing/samples/oksky.js";
import { pokepayDelivery } from "../../lib/testing/samples/pokepay.js";
import { scrape, seriesOf, valueOf } from "./scrape.js";

const MISSKEY_SECRET = "misskey-secret";
const OKSKY_SECRET = "oksky-secret";
const POKEPAY_TOKEN = "pokepay-token";

/** Three receivers on one app; misskey and oksky share one webhookMetrics, pokepay has a second one on the same registry. */
function setup() {
  const registry = new Registry();
  const metrics = webhookMetrics({ registry });
  const errors: WebhookError[] = [];
  const misskey = createMisskeyReceiver({ secret: MISSKEY_SECRET, hooks: metrics.hooks }).onError((e) => void errors.push(e));
  const oksky = createOkskyReceiver({ secret: OKSKY_SECRET, hooks: [metrics.hooks] }).onError((e) => void errors.push(e));
  const pokepay = createPokepayReceiver({ auth: { token: POKEPAY_TOKEN }, hooks: webhookMetrics({ registry }).hooks }).onError(
    (e) => void errors.push(e),
  );
  misskey.on("note", () => undefined);
  misskey.on("follow", () => {
    throw new Error("listener bug");
  });
  misskey.onAny(() => undefined);
  oksky.on("Message.create", () => Promise.resolve());
  oksky.on("Room.update", () => Promise.reject(new Error("listener bug")));
  pokepay.on("bulk_shops", () => undefined);
  const app = express();
  app.use("/hooks/misskey", misskey.router);
  app.use("/hooks/oksky", oksky.router);
  app.use("/hooks/pokepay", pokepay.router);
  const post = (path: string, delivery: Delivery) => request(app).post(path).set(delivery.headers).send(delivery.body);
  return { app, registry, errors, post };
}

describe("scraping after real requests through real receivers", () => {
  test("requests, events, duplicates and durations add up exactly", async () => {
    const { app, registry, post } = setup();
    const note = misskeyDelivery("note", { secret: MISSKEY_SECRET });
    const answers = [
      await post("/hooks/misskey", note), // ok
      await post("/hooks/misskey", note), // duplicate
      await post("/hooks/misskey", misskeyDelivery("note", { secret: MISSKEY_SECRET })), // ok
      await post("/hooks/misskey", misskeyDelivery("note", { secret: "forged" })), // 401 mismatch
      await post("/hooks/misskey", misskeyDelivery("note")), // 401 missing
      await post("/hooks/misskey", misskeyDelivery("follow", { secret: MISSKEY_SECRET })), // 500 listener threw
      await post("/hooks/misskey", misskeyDelivery("note", { secret: MISSKEY_SECRET, overrides: { type: "brandNewEvent" } })), // unknown, ok
      await post("/hooks/misskey", misskeyDelivery("note", { secret: MISSKEY_SECRET, overrides: { type: "anotherNewOne" } })), // unknown, ok
      await post("/hooks/misskey", misskeyDelivery("reply", { secret: MISSKEY_SECRET, rawOverrides: { body: { note: "not a note" } } })), // 400 invalid
      await request(app).get("/hooks/misskey"), // 405
      await post("/hooks/oksky", okskyDelivery("Message.create", { secret: OKSKY_SECRET })), // ok
      await post("/hooks/oksky", okskyDelivery("Message.create", { secret: "forged" })), // 401
      await post("/hooks/oksky", okskyDelivery("Room.update", { secret: OKSKY_SECRET })), // 200, handler_failed
      await post("/hooks/pokepay", pokepayDelivery("bulk_shops", { token: POKEPAY_TOKEN })), // ok
      await post("/hooks/pokepay", pokepayDelivery("bulk_shops")), // 401 missing
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401, 401, 500, 200, 200, 400, 405, 200, 401, 200, 200, 401]);

    const samples = await scrape(registry);
    expect(seriesOf(samples, "webhook_requests_total")).toEqual({
      "outcome=ok,provider=misskey,status=200": 4,
      "outcome=duplicate,provider=misskey,status=200": 1,
      "outcome=signature_mismatch,provider=misskey,status=401": 1,
      "outcome=signature_missing,provider=misskey,status=401": 1,
      "outcome=handler_failed,provider=misskey,status=500": 1,
      "outcome=invalid_payload,provider=misskey,status=400": 1,
      "outcome=method_not_allowed,provider=misskey,status=405": 1,
      "outcome=ok,provider=oksky,status=200": 1,
      "outcome=signature_mismatch,provider=oksky,status=401": 1,
      "outcome=handler_failed,provider=oksky,status=200": 1,
      "outcome=ok,provider=pokepay,status=200": 1,
      "outcome=signature_missing,provider=pokepay,status=401": 1,
    });
    expect(seriesOf(samples, "webhook_events_total")).toEqual({
      "event=note,provider=misskey,result=dispatched": 2,
      "event=note,provider=misskey,result=duplicate": 1,
      "event=follow,provider=misskey,result=failed": 1,
      "event=unknown,provider=misskey,result=dispatched": 2,
      "event=reply,provider=misskey,result=invalid": 1,
      "event=Message.create,provider=oksky,result=dispatched": 1,
      "event=Room.update,provider=oksky,result=failed": 1,
      "event=bulk_shops,provider=pokepay,result=dispatched": 1,
    });
    expect(seriesOf(samples, "webhook_duplicates_total")).toEqual({ "provider=misskey": 1 });
    expect(seriesOf(samples, "webhook_dispatch_duration_seconds_count")).toEqual({
      "event=note,provider=misskey": 2,
      "event=follow,provider=misskey": 1,
      "event=unknown,provider=misskey": 2,
      "event=Message.create,provider=oksky": 1,
      "event=Room.update,provider=oksky": 1,
      "event=bulk_shops,provider=pokepay": 1,
    });
    const requestCounts = seriesOf(samples, "webhook_request_duration_seconds_count");
    expect(Object.values(requestCounts).reduce((a, b) => a + b, 0)).toBe(answers.length);
    expect(requestCounts["outcome=ok,provider=misskey"]).toBe(4);
    // Durations are real and in seconds: small, positive, and the +Inf bucket holds them all.
    const sum = valueOf(samples, "webhook_request_duration_seconds_sum", { provider: "misskey", outcome: "ok" })!;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(4);
    expect(valueOf(samples, "webhook_request_duration_seconds_bucket", { provider: "misskey", outcome: "ok", le: "+Inf" })).toBe(4);
    // Bounded labels: neither delivery ids nor unknown event names appear anywhere.
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values).not.toContain("brandNewEvent");
    expect(values).not.toContain(note.payload.eventId);
  });

  test("the exposition follows Prometheus conventions", async () => {
    const { registry, post } = setup();
    await post("/hooks/misskey", misskeyDelivery("note", { secret: MISSKEY_SECRET }));
    const text = await registry.metrics();
    expect(text).toContain("# TYPE webhook_requests_total counter");
    expect(text).toContain("# TYPE webhook_events_total counter");
    expect(text).toContain("# TYPE webhook_duplicates_total counter");
    expect(text).toContain("# TYPE webhook_dispatch_duration_seconds histogram");
    expect(text).toContain("# TYPE webhook_request_duration_seconds histogram");
    for (const line of text.split("\n").filter((l) => l.startsWith("# TYPE"))) {
      const [, , name, type] = line.split(" ");
      expect(name).toMatch(/^webhook_[a-z_]+$/);
      if (type === "counter") expect(name).toMatch(/_total$/);
      if (type === "histogram") expect(name).toMatch(/_seconds$/);
    }
  });

  test("an inbox's depth and retries through a real receiver", async () => {
    const registry = new Registry();
    const metrics = webhookMetrics({ registry });
    const inbox = new MemoryInbox();
    metrics.observeInbox(inbox, { provider: "misskey" });
    let calls = 0;
    const misskey = createMisskeyReceiver({
      secret: MISSKEY_SECRET,
      hooks: metrics.hooks,
      inbox: { store: inbox, backoffMs: 1, maxBackoffMs: 1, pollIntervalMs: 60_000 },
    })
      .on("note", () => {
        calls++;
        if (calls === 1) throw new Error("first attempt fails");
      })
      .onError(() => undefined);
    try {
      const note = misskeyDelivery("note", { secret: MISSKEY_SECRET });
      expect((await misskey.receive(note)).status).toBe(200);
      expect((await misskey.receive(note)).status).toBe(200);
      let samples = await scrape(registry);
      expect(seriesOf(samples, "webhook_inbox_records")).toEqual({
        "provider=misskey,status=pending": 1,
        "provider=misskey,status=failed": 0,
        "provider=misskey,status=done": 0,
      });
      expect(seriesOf(samples, "webhook_requests_total")).toEqual({
        "outcome=ok,provider=misskey,status=200": 1,
        "outcome=duplicate,provider=misskey,status=200": 1,
      });

      await new Promise((resolve) => setTimeout(resolve, 5));
      await misskey.replay([]); // polls: the retry is due
      samples = await scrape(registry);
      expect(calls).toBe(2);
      expect(seriesOf(samples, "webhook_inbox_records")).toEqual({
        "provider=misskey,status=pending": 0,
        "provider=misskey,status=failed": 0,
        "provider=misskey,status=done": 1,
      });
      expect(seriesOf(samples, "webhook_events_total")).toEqual({
        "event=note,provider=misskey,result=failed": 1,
        "event=note,provider=misskey,result=dispatched": 1,
        "event=note,provider=misskey,result=duplicate": 1,
      });
      expect(valueOf(samples, "webhook_dispatch_duration_seconds_count", { provider: "misskey", event: "note" })).toBe(2);
    } finally {
      await misskey.close();
    }
  });
});
