import { WebhookError } from "../errors.js";
import { dedupeStoreKey } from "./delivery-key.js";
import { PROCESSING_TTL_MS, type Claim, type Deduper } from "./deduper.js";
import { countDedupeEvictions } from "../../stores/dedupe-evictions.js";
import { accessMemoryStore, type MemoryStore, type MemoryStoreAccess } from "../../stores/memory.js";

/**
 * Dedupe over the in-memory store: the receiver's fast path, chosen when it is built.
 * Every write happens the moment it is called (before any other request can run), so
 * a claim is atomic, `peek` can answer, and nothing lands late: a claim is the plain
 * value "processing", with no token, lease or pending release.
 */
export class MemoryDeduper implements Deduper {
  readonly #store: MemoryStore;
  readonly #access: MemoryStoreAccess;
  readonly #provider: string;
  readonly #prefix: string;
  readonly #done: { ttlMs: number };
  readonly #claimOptions = { ttlMs: PROCESSING_TTL_MS, onlyIfAbsent: true } as const;
  readonly #onStoreError: (error: WebhookError) => void;
  #warnedOfEvictions = false;

  constructor(store: MemoryStore, provider: string, prefix: string, ttlMs: number, onStoreError: (error: WebhookError) => void) {
    this.#store = store;
    this.#access = accessMemoryStore(store);
    this.#provider = provider;
    this.#prefix = prefix;
    this.#done = { ttlMs };
    this.#onStoreError = onStoreError;
  }

  peek(id: string): Claim {
    const state = this.#access.get(dedupeStoreKey(this.#prefix, id));
    return state === undefined ? "new" : state === "done" ? "done" : "processing";
  }

  claim(id: string): Promise<Claim> {
    return Promise.resolve(this.#claim(dedupeStoreKey(this.#prefix, id)));
  }

  #claim(key: string): Claim {
    if (this.#set(key, "processing", this.#claimOptions)) return "new";
    const state = this.#access.get(key);
    if (state === "done") return "done";
    // Expired in the millisecond between the two reads: claim it once more.
    return state === undefined && this.#set(key, "processing", this.#claimOptions) ? "new" : "processing";
  }

  complete(id: string): Promise<void> {
    this.#set(dedupeStoreKey(this.#prefix, id), "done", this.#done);
    return Promise.resolve();
  }

  release(id: string): Promise<void> {
    this.#access.delete(dedupeStoreKey(this.#prefix, id));
    return Promise.resolve();
  }

  /** A write, counting the entries it evicted to make room. */
  #set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): boolean {
    const before = this.#store.evictions;
    const stored = this.#access.set(key, value, options);
    if (this.#store.evictions !== before) this.#evicted(this.#store.evictions - before);
    return stored;
  }

  #evicted(count: number): void {
    countDedupeEvictions(this.#provider, count);
    if (this.#warnedOfEvictions) return;
    this.#warnedOfEvictions = true;
    this.#onStoreError(
      new WebhookError(
        "dedupe_evicted",
        "The in-memory dedupe store is full: delivery ids are forgotten before their TTL, so a late repeat of one would be dispatched again. Raise MemoryStore's maxEntries or maxBytes, or use a shared store (RedisStore). Logged once; webhook_dedupe_evictions_total counts them all.",
        { provider: this.#provider },
      ),
    );
  }
}
