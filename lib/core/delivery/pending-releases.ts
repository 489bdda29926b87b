import { compareAndDelete } from "../../stores/compare-and-delete.js";
import type { DedupeStore } from "../../stores/types.js";

export interface PendingReleasesOptions {
  /** How often releases the store has not confirmed are tried again. */
  retryMs: number;
  /** How long one is tried: by then its claim has expired, whenever it landed. */
  maxAgeMs: number;
  /** Most kept; beyond it the oldest are left to their claims' expiry. */
  maxPending: number;
}

interface Pending {
  readonly key: string;
  readonly token: string;
  readonly since: number;
}

/**
 * Claims to take back (compare-and-delete of the attempt's own token), tried again until
 * the store confirms one. A claim whose reply was lost may still reach the store later
 * (ioredis resends what a dropped connection left unanswered; a paused server runs what
 * it was sent): deleting it, whenever that happens, is always right, since the attempt
 * that wrote it was answered without dispatching, or its listeners failed.
 *
 * While the store is away only the oldest is tried, once per `retryMs`; once it answers,
 * every other is tried.
 */
export class PendingReleases {
  readonly #store: DedupeStore;
  readonly #options: PendingReleasesOptions;
  /** By token: one attempt's claim each. */
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  #probing = false;

  constructor(store: DedupeStore, options: PendingReleasesOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Claims not yet confirmed released. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Releases `key` if it holds `token`; settles with this first try (a rejection is the
   * store's error), and keeps trying in the background until the store confirms.
   */
  release(key: string, token: string): Promise<boolean> {
    const pending: Pending = { key, token, since: Date.now() };
    this.#pending.set(token, pending);
    if (this.#pending.size > this.#options.maxPending) this.#pending.delete(this.#pending.keys().next().value as string);
    const attempt = this.#attempt(pending);
    this.#schedule();
    return attempt;
  }

  async #attempt(pending: Pending): Promise<boolean> {
    const released = await compareAndDelete(this.#store, pending.key, pending.token);
    this.#pending.delete(pending.token);
    return released;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#pending.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#retry().finally(() => {
        this.#schedule();
      });
    }, this.#options.retryMs);
    // Never what keeps a process alive: past the claims' expiry these are moot.
    this.#timer.unref();
  }

  async #retry(): Promise<void> {
    if (this.#probing) return;
    const oldestAllowed = Date.now() - this.#options.maxAgeMs;
    for (const [token, pending] of this.#pending) if (pending.since < oldestAllowed) this.#pending.delete(token);
    const [probe, ...rest] = this.#pending.values();
    if (probe === undefined) return;
    this.#probing = true;
    try {
      await this.#attempt(probe);
    } catch {
      return;
    } finally {
      this.#probing = false;
    }
    await Promise.all(rest.map((pending) => this.#attempt(pending).catch(() => false)));
  }
}
