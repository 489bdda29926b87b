import type { DedupeStore } from "./types.js";

export interface MemoryStoreOptions {
  /** Most keys kept; the oldest are evicted first. @default 10000 */
  maxEntries?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
  /** The number of the write that last set it: its place in the write order. */
  write: number;
}

/** Below this many queued writes the queue is never compacted: not worth a pass. */
const MIN_COMPACT = 1024;

/**
 * A {@link DedupeStore} in this process's memory: bounded in size (the least recently
 * written evicted first) and in time (each key's TTL). Lost on restart; not shared
 * between processes.
 */
export class MemoryStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  // The write order, kept beside the Map rather than read from it: finding a Map's oldest
  // key (`keys().next()`) walks past every key deleted before it, which at 10,000 keys of
  // steady churn cost ~3 µs per delivery. A key written again leaves a stale slot here,
  // told apart by its write number and skipped.
  #queue: { key: string; write: number }[] = [];
  #head = 0;
  #writes = 0;

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

  async set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    return this.setNow(key, value, options);
  }

  async delete(key: string): Promise<void> {
    this.deleteNow(key);
  }

  /** {@link get} without the promise: the dedupe pipeline's own path through this store. */
  getNow(key: string): string | undefined {
    return this.#live(key);
  }

  /** {@link set} without the promise. */
  setNow(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (onlyIfAbsent && entry !== undefined && entry.expiresAt > now) return false;
    const write = ++this.#writes;
    if (entry === undefined) this.#entries.set(key, { value, expiresAt: now + ttlMs, write });
    else {
      entry.value = value;
      entry.expiresAt = now + ttlMs;
      entry.write = write;
    }
    this.#queue.push({ key, write });
    if (this.#entries.size > this.#maxEntries) this.#evict();
    if (this.#queue.length - this.#head > Math.max(MIN_COMPACT, 2 * this.#entries.size)) this.#compact();
    return true;
  }

  /** {@link delete} without the promise. */
  deleteNow(key: string): void {
    this.#entries.delete(key);
  }

  #isCurrent(slot: { key: string; write: number }): boolean {
    return this.#entries.get(slot.key)?.write === slot.write;
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const slot = this.#queue[this.#head++];
      if (slot === undefined) return;
      if (this.#isCurrent(slot)) this.#entries.delete(slot.key);
    }
  }

  /** Drops the stale slots (keys written again, deleted or expired since): at most twice the keys are queued. */
  #compact(): void {
    this.#queue = this.#queue.slice(this.#head).filter((slot) => this.#isCurrent(slot));
    this.#head = 0;
  }
}
