/**
 * A key-value store with expiry, shared by dedupe (and by anything that needs "have I
 * seen this?"). The in-memory default lives in one process; a Redis one can be shared
 * by several. `set` with `onlyIfAbsent` must be atomic (Redis: `SET key value NX PX ttl`).
 *
 * Dedupe writes a claim as a value unique to one delivery attempt, so that the attempt
 * removes or extends only its own claim. Two optional methods make that atomic; a store
 * without them still works (see each).
 */
export interface DedupeStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`; with `onlyIfAbsent`, only if the key is not there. True if stored. */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Deletes `key` only if it holds `value`, atomically (compare-and-delete); true if it
   * did. Releases a claim without ever removing another attempt's. Without it, dedupe
   * reads, compares and deletes in three calls: correct unless the claim expires and is
   * taken by another attempt in between.
   */
  deleteIf?(key: string, value: string): Promise<boolean>;
  /**
   * Sets `key`'s remaining time to `ttlMs` only if it holds `value`, atomically
   * (compare-and-expire); true if it did. With it, claims are short leases (30 s)
   * renewed while listeners run, so a claim nobody runs (a crashed process, or a claim
   * that reached the store after its request was answered) is gone within 30 s.
   * Without it, claims last 10 minutes.
   */
  renew?(key: string, value: string, ttlMs: number): Promise<boolean>;
}

export function isDedupeStore(value: unknown): value is DedupeStore {
  const store = value as DedupeStore | null;
  return (
    typeof store === "object" &&
    store !== null &&
    typeof store.get === "function" &&
    typeof store.set === "function" &&
    typeof store.delete === "function"
  );
}
