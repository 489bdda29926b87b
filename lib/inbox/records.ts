import type { InboxRecord, PurgeFilter } from "./types.js";

/** How long done records are kept by default: 7 days. */
export const DEFAULT_RETAIN_MS = 7 * 24 * 60 * 60 * 1000;
/** `list` returns this many records unless told otherwise. */
export const DEFAULT_LIST_LIMIT = 100;
/** Done records are pruned at most this often, so completing stays cheap. */
export const PRUNE_EVERY_MS = 60_000;

type Ordered = Pick<InboxRecord, "receivedAt" | "key">;

/** Oldest received first; the key breaks ties so every store orders alike. */
export function byReceivedAsc(a: Ordered, b: Ordered): number {
  return a.receivedAt - b.receivedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Newest received first. */
export function byReceivedDesc(a: Ordered, b: Ordered): number {
  return byReceivedAsc(b, a);
}

/** Whether a purge with `filter` deletes `record`. */
export function matchesPurge(record: Pick<InboxRecord, "status" | "provider" | "updatedAt">, filter: PurgeFilter): boolean {
  return (
    (filter.status === undefined || record.status === filter.status) &&
    (filter.provider === undefined || record.provider === filter.provider) &&
    (filter.before === undefined || record.updatedAt < filter.before)
  );
}

/** Checks the numbers every store relies on, with one message for all of them. */
export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}.`);
}
