import { Gauge } from "prom-client";
import type { InboxStatus, InboxStore } from "../inbox/types.js";
import { TIMED_OUT, withTimeout } from "../core/with-timeout.js";
import { registeredMetric, type AnyRegistry } from "./registered-metric.js";

/** Options of {@link WebhookMetrics.observeInbox}. */
export interface ObserveInboxOptions {
  /**
   * A `provider` label for this store's series, when a registry observes several
   * stores (one per receiver). A store shared by several receivers counts them all.
   */
  provider?: string;
  /** How long a scrape waits for the store's counts before leaving its series out. @default 1000 */
  timeoutMs?: number;
}

interface Observed {
  store: InboxStore;
  provider: string | undefined;
  timeoutMs: number;
}

const STATUSES: readonly InboxStatus[] = ["pending", "failed", "done"];

// Per gauge, so every webhookMetrics() sharing a registry adds to the one scrape.
const observedByGauge = new WeakMap<Gauge, Set<Observed>>();

async function countsWithin(observed: Observed): Promise<Record<InboxStatus, number> | undefined> {
  const counts = observed.store.counts().then(
    (value) => value,
    () => undefined,
  );
  const settled = await withTimeout(counts, observed.timeoutMs);
  return settled === TIMED_OUT ? undefined : settled;
}

async function collectInbox(gauge: Gauge): Promise<void> {
  const observed = [...(observedByGauge.get(gauge) ?? [])];
  const results = await Promise.all(observed.map(countsWithin));
  // A store that fails or hangs is left out of this scrape (an absent series, not a
  // stale or a false one), and never fails the scrape of every other metric.
  gauge.reset();
  observed.forEach(({ provider }, i) => {
    const counts = results[i];
    if (counts === undefined) return;
    for (const status of STATUSES) {
      gauge.set(provider === undefined ? { status } : { status, provider }, counts[status]);
    }
  });
}

/** The inbox gauge of a registry, collected from every observed store on scrape. */
export function inboxGauge(registry: AnyRegistry, name: string): Gauge {
  const labelNames = ["status", "provider"];
  const gauge = registeredMetric<Gauge>(
    registry,
    name,
    labelNames,
    Gauge,
    () =>
      new Gauge({
        name,
        help: "Inbox records by status (pending, failed, done), read from the store on each scrape.",
        labelNames,
        registers: [registry],
        async collect() {
          await collectInbox(this);
        },
      }),
  );
  if (!observedByGauge.has(gauge)) observedByGauge.set(gauge, new Set());
  return gauge;
}

/** Adds a store to the gauge's scrape; returns a function that removes it. */
export function observeInboxStore(gauge: Gauge, store: InboxStore, options: ObserveInboxOptions = {}): () => void {
  const observed: Observed = { store, provider: options.provider, timeoutMs: options.timeoutMs ?? 1000 };
  const set = observedByGauge.get(gauge);
  set?.add(observed);
  return () => {
    set?.delete(observed);
  };
}
