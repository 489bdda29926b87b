import { WebhookError } from "./errors.js";
import type { DedupeStore } from "../stores/types.js";

/** How long a delivery may stay "processing" before another attempt may claim it. */
const PROCESSING_TTL_MS = 10 * 60 * 1000;

export type Claim = "new" | "processing" | "done";

/**
 * Dedupe over a {@link DedupeStore}: a delivery is claimed atomically ("processing"),
 * marked "done" when its listeners succeed, and released when they fail so that the
 * provider's resend is dispatched again.
 */
export class Deduper {
  readonly #store: DedupeStore;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #onStoreError: (error: WebhookError) => void;

  constructor(store: DedupeStore, provider: string, ttlMs: number, onStoreError: (error: WebhookError) => void) {
    this.#store = store;
    this.#prefix = `ewr:dedupe:${provider}:`;
    this.#ttlMs = ttlMs;
    this.#onStoreError = onStoreError;
  }

  /** Claims a delivery id; says what state it was already in if someone else holds it. */
  async claim(id: string): Promise<Claim> {
    const key = this.#prefix + id;
    try {
      const claim = { ttlMs: PROCESSING_TTL_MS, onlyIfAbsent: true };
      if (await this.#store.set(key, "processing", claim)) return "new";
      const state = await this.#store.get(key);
      if (state === "done") return "done";
      // Released or expired between the two calls: claim it once more.
      if (state === undefined && (await this.#store.set(key, "processing", claim))) return "new";
      return "processing";
    } catch (cause) {
      // Without the store we cannot tell a repeat; refusing lets the provider resend.
      throw new WebhookError("store_unavailable", "The dedupe store is unavailable.", { cause });
    }
  }

  complete(id: string): Promise<void> {
    return this.#quietly(() => this.#store.set(this.#prefix + id, "done", { ttlMs: this.#ttlMs }));
  }

  release(id: string): Promise<void> {
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
