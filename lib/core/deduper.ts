import { WebhookError } from "./errors.js";
import { MemoryStore } from "../stores/memory.js";
import type { DedupeStore } from "../stores/types.js";

/** How long a delivery may stay "processing" before another attempt may claim it. */
const PROCESSING_TTL_MS = 10 * 60 * 1000;
const CLAIM = { ttlMs: PROCESSING_TTL_MS, onlyIfAbsent: true } as const;

export type Claim = "new" | "processing" | "done";

/**
 * Dedupe over a {@link DedupeStore}: a delivery is claimed atomically ("processing"),
 * marked "done" when its listeners succeed, and released when they fail so that the
 * provider's resend is dispatched again.
 *
 * Over the in-memory store every step is synchronous (a value, not a promise): a
 * promise per step was a tenth of what a small delivery cost, for a Map lookup.
 */
export class Deduper {
  readonly #store: DedupeStore;
  readonly #memory: MemoryStore | undefined;
  readonly #prefix: string;
  readonly #done: { ttlMs: number };
  readonly #onStoreError: (error: WebhookError) => void;

  constructor(store: DedupeStore, provider: string, ttlMs: number, onStoreError: (error: WebhookError) => void) {
    this.#store = store;
    // Only our own class: a subclass may have overridden the async methods.
    this.#memory = store instanceof MemoryStore && Object.getPrototypeOf(store) === MemoryStore.prototype ? store : undefined;
    this.#prefix = `ewr:dedupe:${provider}:`;
    this.#done = { ttlMs };
    this.#onStoreError = onStoreError;
  }

  /**
   * Over the in-memory store, what a claim would find, without writing one: a delivery
   * whose listeners all return at once needs only its "done" written, since no other
   * request can run in between. Undefined over any other store (claim() it is).
   */
  peekNow(id: string): Claim | undefined {
    if (!this.#memory) return undefined;
    const state = this.#memory.getNow(this.#prefix + id);
    return state === undefined ? "new" : state === "done" ? "done" : "processing";
  }

  /** Claims a delivery id; says what state it was already in if someone else holds it. */
  claim(id: string): Claim | Promise<Claim> {
    const key = this.#prefix + id;
    const memory = this.#memory;
    if (memory) {
      if (memory.setNow(key, "processing", CLAIM)) return "new";
      const state = memory.getNow(key);
      if (state === "done") return "done";
      // Expired in the millisecond between the two reads: claim it once more.
      return state === undefined && memory.setNow(key, "processing", CLAIM) ? "new" : "processing";
    }
    return this.#claimAsync(key);
  }

  async #claimAsync(key: string): Promise<Claim> {
    try {
      if (await this.#store.set(key, "processing", CLAIM)) return "new";
      const state = await this.#store.get(key);
      if (state === "done") return "done";
      // Released or expired between the two calls: claim it once more.
      if (state === undefined && (await this.#store.set(key, "processing", CLAIM))) return "new";
      return "processing";
    } catch (cause) {
      // Without the store we cannot tell a repeat; refusing lets the provider resend.
      throw new WebhookError("store_unavailable", "The dedupe store is unavailable.", { cause });
    }
  }

  /** Marks a delivery done. Never rejects: a store failure is reported. */
  complete(id: string): Promise<void> | undefined {
    if (this.#memory) {
      this.#memory.setNow(this.#prefix + id, "done", this.#done);
      return undefined;
    }
    return this.#quietly(() => this.#store.set(this.#prefix + id, "done", this.#done));
  }

  /** Releases a claim, so a resend is dispatched again. Never rejects: a store failure is reported. */
  release(id: string): Promise<void> | undefined {
    if (this.#memory) {
      this.#memory.deleteNow(this.#prefix + id);
      return undefined;
    }
    return this.#quietly(() => this.#store.delete(this.#prefix + id));
  }

  // After dispatch the answer no longer depends on the store; a failure here is only reported.
  async #quietly(operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (cause) {
      this.#onStoreError(new WebhookError("store_unavailable", "The dedupe store could not be updated.", { cause }));
    }
  }
}
