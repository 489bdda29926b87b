/**
 * Delivery ids evicted from in-memory dedupe stores before their TTL, per provider
 * whose write made room, since the process started: what `webhook_dedupe_evictions_total`
 * reports. Kept on `globalThis` under a registered symbol so that the package's ESM and
 * CommonJS copies, and the metrics entry point, count into one tally.
 */
const TALLY = Symbol.for("express-webhook-receivers.dedupeEvictions");

type Tally = Map<string, number>;

const global = globalThis as { [TALLY]?: Tally };
const tally: Tally = (global[TALLY] ??= new Map<string, number>());

/** Adds `count` evictions caused by `provider`'s dedupe. */
export function countDedupeEvictions(provider: string, count: number): void {
  tally.set(provider, (tally.get(provider) ?? 0) + count);
}

/** Evictions so far, by provider. */
export function dedupeEvictions(): ReadonlyMap<string, number> {
  return tally;
}
