/**
 * A key-value store with expiry, shared by dedupe (and by anything that needs "have I
 * seen this?"). The in-memory default lives in one process; a Redis one can be shared
 * by several. `set` with `onlyIfAbsent` must be atomic (Redis: `SET key value NX PX ttl`).
 */
export interface DedupeStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`; with `onlyIfAbsent`, only if the key is not there. True if stored. */
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  delete(key: string): Promise<void>;
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
