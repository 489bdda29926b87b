import type { DedupeStore } from "./types.js";

export interface MemoryStoreOptions {
  /** Most keys kept; the oldest are evicted first. @default 10000 */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * A {@link DedupeStore} in this process's memory: bounded in size (oldest evicted
 * first) and in time (each key's TTL). Lost on restart; not shared between processes.
 */
export class MemoryStore implements DedupeStore {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor({ maxEntries = 10_000, now = Date.now }: MemoryStoreOptions = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError("maxEntries must be a positive integer.");
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key);
  }

  async set(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    if (onlyIfAbsent && this.#live(key) !== undefined) return false;
    // Re-inserting moves the key to the end, so Map order stays oldest-first.
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#evict();
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}
