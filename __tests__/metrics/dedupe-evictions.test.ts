import { Writable } from "node:stream";
import pino from "pino";
import { Registry } from "prom-client";
import { createMisskeyReceiver } from "../../lib/index.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { scrape, valueOf } from "./scrape.js";

const secret = "evictions-secret";

function pinoLines() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, stream) };
}

describe("in-memory dedupe evictions", () => {
  test("counted in webhook_dedupe_evictions_total, one warning line at the first, and the forgotten id is dispatched again", async () => {
    const registry = new Registry();
    const metrics = webhookMetrics({ registry });
    const { lines, logger } = pinoLines();
    const store = new MemoryStore({ maxEntries: 3 });
    const misskey = createMisskeyReceiver({ secret, logger, dedupe: store, hooks: metrics.hooks });
    const dispatched: string[] = [];
    misskey.on("note", (event) => void dispatched.push(event.id));
    const deliveries = Array.from({ length: 5 }, () => misskeyDelivery("note", { secret }));

    expect(valueOf(await scrape(registry), "webhook_dedupe_evictions_total", { provider: "misskey" })).toBeUndefined();
    for (const d of deliveries) expect((await misskey.receive(d)).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));

    expect(store.evictions).toBe(2);
    expect(valueOf(await scrape(registry), "webhook_dedupe_evictions_total", { provider: "misskey" })).toBe(2);
    expect(lines.map((line) => [line["level"], line["code"], line["provider"]])).toEqual([[40, "dedupe_evicted", "misskey"]]);
    expect(String(lines[0]!["msg"])).toMatch(/maxEntries or maxBytes/);

    // The oldest was forgotten: its resend is new again, and pushes out one more.
    expect((await misskey.receive(deliveries[0]!)).body).toBe('{"ok":true}');
    expect(dispatched).toHaveLength(6);
    expect(valueOf(await scrape(registry), "webhook_dedupe_evictions_total", { provider: "misskey" })).toBe(3);
    expect(lines).toHaveLength(1);
  });

  test("the default store: 10,000 ids; the 10,001st evicts the first", async () => {
    const registry = new Registry();
    webhookMetrics({ registry });
    const { lines, logger } = pinoLines();
    const misskey = createMisskeyReceiver({ secret, logger });
    // Process-wide (every receiver's default store counts): the first test's are in already.
    const before = valueOf(await scrape(registry), "webhook_dedupe_evictions_total", { provider: "misskey" }) ?? 0;
    const first = misskeyDelivery("note", { secret });
    const body = (d: { headers: Record<string, string>; body: string | Buffer }) => ({
      method: "POST",
      headers: d.headers,
      body: JSON.parse(d.body.toString()) as { eventId: string },
    });
    const request = body(first);
    expect((await misskey.receive(request)).status).toBe(200);
    for (let i = 1; i < 10_000; i++) {
      const next = { ...request, body: { ...request.body, eventId: `event-${i}` } };
      await misskey.receive(next);
    }
    expect(lines).toEqual([]);
    expect((await misskey.receive(request)).body).toBe('{"ok":true,"duplicate":true}');
    await misskey.receive({ ...request, body: { ...request.body, eventId: "event-10000" } });
    expect(lines.map((line) => line["code"])).toEqual(["dedupe_evicted"]);
    expect(valueOf(await scrape(registry), "webhook_dedupe_evictions_total", { provider: "misskey" })).toBe(before + 1);
    expect((await misskey.receive(request)).body).toBe('{"ok":true}');
  }, 30_000);
});
