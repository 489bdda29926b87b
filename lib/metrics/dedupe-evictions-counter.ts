import { Counter } from "prom-client";
import { dedupeEvictions } from "../stores/dedupe-evictions.js";
import { registeredMetric, type AnyRegistry } from "./registered-metric.js";

/**
 * The counter of delivery ids evicted from in-memory dedupe stores before their TTL,
 * read on each scrape from the process-wide tally the receivers keep (the default store
 * included, which users never hold).
 */
export function dedupeEvictionsCounter(registry: AnyRegistry, name: string): Counter<"provider"> {
  const labelNames = ["provider"] as const;
  return registeredMetric<Counter<"provider">>(
    registry,
    name,
    labelNames,
    Counter,
    () =>
      new Counter({
        name,
        help: "Delivery ids the in-memory dedupe store forgot before their TTL to stay within maxEntries/maxBytes: a repeat of one would be dispatched again.",
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [provider, count] of dedupeEvictions()) this.inc({ provider }, count);
        },
      }),
  );
}
