import type { DedupeStore } from "./types.js";
import { WriteOrder, type Slot } from "./write-order.js";

export interface MemoryStoreOptions {
  /** Most keys kept; the oldest are evicted first. @default 10000 */
  maxEntries?: number;
  /**
   * Most bytes kept, as estimated by {@link entryBytes} (2 bytes per character of key
   * and value, plus 256 per entry); the oldest are evicted first. The default holds the
   * 10,000 entries of typical delivery ids (about 370 bytes each), or about 5,900 of the
   * longest a receiver keeps (ids over 200 characters are hashed). @default 4194304 (4 MiB)
   */
  maxBytes?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
  /** The number of the write that last set it: its place in the write order. */
  write: number;
}

/** Per entry beyond its strings: the Map slot, the entry object and its write-order slot (measured ≈ 290 on V8). */
const ENTRY_OVERHEAD = 256;

/** What an entry is counted as against `maxBytes`: UTF-16 strings and the per-entry overhead. */
export function entryBytes(key: string, value: string): number {
  return 2 * (key.length + value.length) + ENTRY_OVERHEAD;
}

/**
 * A {@link DedupeStore} in this process's memory: bounded in entries and in bytes (the
 * least recently written evicted first) and in time (each key's TTL). Lost on restart;
 * not shared between processes. An entry evicted before its TTL is forgotten: a repeat
 * of it is dispatched again. `evictions` counts them.
 */
/**
 * A MemoryStore's reads and writes without the promises, for the in-memory deduper
 * (lib/core/delivery's fast path) only: not part of the package's API.
 */
export interface MemoryStoreAccess {
  get(key: string): string | undefined;
  set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): boolean;
  delete(key: string): void;
}

/** The synchronous access to a store of this very class (internal; see {@link MemoryStoreAccess}). */
export let accessMemoryStore: (store: MemoryStore) => MemoryStoreAccess;

export class MemoryStore implements DedupeStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #order = new WriteOrder();
  readonly #isCurrent = (slot: Slot): boolean => this.#entries.get(slot.key)?.write === slot.write;
  #writes = 0;
  #bytes = 0;
  #evictions = 0;

  static {
    accessMemoryStore = (store) => ({
      get: (key) => store.#live(key),
      set: (key, value, options) => store.#write(key, value, options),
      delete: (key) => {
        store.#drop(key);
      },
    });
  }

  constructor({ maxEntries = 10_000, maxBytes = 4 * 1024 * 1024, now = Date.now }: MemoryStoreOptions = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError("maxEntries must be a positive integer.");
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new TypeError("maxBytes must be a positive integer.");
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  /** Keys held (expired ones included until they are next read or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** The estimated bytes held, counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries evicted to make room, before their TTL ran out, since the store was made. */
  get evictions(): number {
    return this.#evictions;
  }

  #live(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#remove(key, entry);
    return undefined;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entryBytes(key, entry.value);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key);
  }

  async set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    return this.#write(key, value, options);
  }

  async delete(key: string): Promise<void> {
    this.#drop(key);
  }

  /** Deletes `key` only if it holds `value`; true if it did. */
  async deleteIf(key: string, value: string): Promise<boolean> {
    if (this.#live(key) !== value) return false;
    this.#drop(key);
    return true;
  }

  /** Sets `key`'s remaining time to `ttlMs` only if it holds `value`; true if it did. */
  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== value) return false;
    (this.#entries.get(key) as Entry).expiresAt = this.#now() + ttlMs;
    return true;
  }

  /**
   * {@link set}'s write. Throws a RangeError for a key and value larger than `maxBytes`
   * by themselves: storing one would evict everything else first.
   */
  #write(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (onlyIfAbsent && entry !== undefined && entry.expiresAt > now) return false;
    const bytes = entryBytes(key, value);
    if (bytes > this.#maxBytes) throw new RangeError(`MemoryStore: a ${bytes}-byte entry cannot fit in maxBytes (${this.#maxBytes}).`);
    const write = ++this.#writes;
    if (entry === undefined) this.#entries.set(key, { value, expiresAt: now + ttlMs, write });
    else {
      this.#bytes -= entryBytes(key, entry.value);
      entry.value = value;
      entry.expiresAt = now + ttlMs;
      entry.write = write;
    }
    this.#bytes += bytes;
    this.#order.push({ key, write });
    if (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) this.#evict(now);
    this.#order.compact(this.#entries.size, this.#isCurrent);
    return true;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(key, entry);
  }

  #evict(now: number): void {
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const slot = this.#order.shift();
      if (slot === undefined) return;
      if (!this.#isCurrent(slot)) continue;
      const entry = this.#entries.get(slot.key) as Entry;
      // An expired entry leaving is no loss; a live one is a delivery forgotten early.
      if (entry.expiresAt > now) this.#evictions++;
      this.#remove(slot.key, entry);
    }
  }
}
