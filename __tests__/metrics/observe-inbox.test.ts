import { Registry } from "prom-client";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { newRecord } from "../inbox/new-record.js";
import { scrape, seriesOf } from "./scrape.js";

class BrokenInbox extends MemoryInbox {
  calls = 0;
  override counts(): Promise<never> {
    this.calls++;
    return Promise.reject(new Error("connection refused"));
  }
}

class HungInbox extends MemoryInbox {
  override counts(): Promise<never> {
    return new Promise(() => {});
  }
}

/** An inbox holding two pending records, one failed and one done. */
async function filledInbox(): Promise<MemoryInbox> {
  const inbox = new MemoryInbox();
  const now = Date.now();
  const [a, b, c] = [newRecord(), newRecord(), newRecord()];
  for (const record of [a, b, c, newRecord()]) await inbox.add(record, { leaseMs: 60_000, now });
  await inbox.complete(a.key, { now });
  await inbox.fail(b.key, { error: "boom", retryAt: undefined, now });
  return inbox;
}

describe("observeInbox", () => {
  test("reads the store's counts on each scrape", async () => {
    const registry = new Registry();
    const metrics = webhookMetrics({ registry });
    const inbox = await filledInbox();
    metrics.observeInbox(inbox);
    expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toEqual({
      "status=pending": 2,
      "status=failed": 1,
      "status=done": 1,
    });

    await inbox.add(newRecord(), { leaseMs: 60_000, now: Date.now() });
    expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toEqual({
      "status=pending": 3,
      "status=failed": 1,
      "status=done": 1,
    });
  });

  test("no inbox, no inbox metric", async () => {
    const registry = new Registry();
    webhookMetrics({ registry });
    expect((await registry.metrics()).includes("webhook_inbox_records")).toBe(false);
  });

  test("a failing or hanging store is left out of the scrape; the others and the scrape survive", async () => {
    const registry = new Registry();
    const metrics = webhookMetrics({ registry });
    const broken = new BrokenInbox();
    metrics.observeInbox(await filledInbox(), { provider: "misskey" });
    metrics.observeInbox(broken, { provider: "oksky" });
    metrics.observeInbox(new HungInbox(), { provider: "pokepay", timeoutMs: 20 });
    const started = Date.now();
    const samples = await scrape(registry);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(broken.calls).toBe(1);
    expect(seriesOf(samples, "webhook_inbox_records")).toEqual({
      "provider=misskey,status=pending": 2,
      "provider=misskey,status=failed": 1,
      "provider=misskey,status=done": 1,
    });
  });

  test("stores observed through two webhookMetrics on one registry are all scraped; unobserving removes one", async () => {
    const registry = new Registry();
    const stopA = webhookMetrics({ registry }).observeInbox(await filledInbox(), { provider: "a" });
    webhookMetrics({ registry }).observeInbox(new MemoryInbox(), { provider: "b" });
    expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toEqual({
      "provider=a,status=pending": 2,
      "provider=a,status=failed": 1,
      "provider=a,status=done": 1,
      "provider=b,status=pending": 0,
      "provider=b,status=failed": 0,
      "provider=b,status=done": 0,
    });
    stopA();
    expect(Object.keys(seriesOf(await scrape(registry), "webhook_inbox_records"))).toEqual([
      "provider=b,status=pending",
      "provider=b,status=failed",
      "provider=b,status=done",
    ]);
  });
});
