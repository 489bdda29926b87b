import type { DedupeStore } from "./types.js";
import { WriteOrder, type Slot } from "./write-order.js";

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

/**
 * A {@link DedupeStore} in this process's memory: bounded in size (the least recently
 * written evicted first) and in time (each key's TTL). Lost on restart; not shared
 * between processes.
 */
export class MemoryStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #order = new WriteOrder();
  readonly #isCurrent = (slot: Slot): boolean => this.#entries.get(slot.key)?.write === slot.write;
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
    this.#order.push({ key, write });
    if (this.#entries.size > this.#maxEntries) this.#evict();
    this.#order.compact(this.#entries.size, this.#isCurrent);
    return true;
  }

  /** {@link delete} without the promise. */
  deleteNow(key: string): void {
    this.#entries.delete(key);
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const slot = this.#order.shift();
      if (slot === undefined) return;
      if (this.#isCurrent(slot)) this.#entries.delete(slot.key);
    }
  }
}
