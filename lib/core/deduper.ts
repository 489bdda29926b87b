import { createHash, randomBytes } from "node:crypto";
import { WebhookError } from "./errors.js";
import { HeldClaims } from "./held-claims.js";
import { PendingReleases } from "./pending-releases.js";
import { countDedupeEvictions } from "../stores/dedupe-evictions.js";
import { MemoryStore } from "../stores/memory.js";
import type { DedupeStore } from "../stores/types.js";

/**
 * How long a claim holds a delivery "processing" before another attempt may claim it:
 * in memory, and over stores that cannot renew; with leases, the longest one is renewed.
 */
const PROCESSING_TTL_MS = 10 * 60 * 1000;
/** A claim's life between renewals, over a store that can renew (`renew`). */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
const RETRY_RELEASE_MS = 1000;
const MAX_PENDING_RELEASES = 10_000;

/**
 * Longest delivery id (in UTF-16 units) kept as it is in a dedupe key; a longer one is
 * replaced by its SHA-256 (base64url), so a key costs at most about this much whatever
 * a sender puts in its id.
 */
export const MAX_ID_LENGTH = 200;

export type Claim = "new" | "processing" | "done";

/** Timings, shortened by tests. */
export interface DeduperTiming {
  leaseMs?: number;
  renewEveryMs?: number;
  retryReleaseMs?: number;
}

/**
 * Dedupe over a {@link DedupeStore}: a delivery is claimed atomically ("processing"),
 * marked "done" when its listeners succeed, and released when they fail so that the
 * provider's resend is dispatched again.
 *
 * Over any store but the in-memory one a claim's value is a token unique to the attempt,
 * so that an attempt only ever releases or renews its own claim; where the store can
 * renew, claims are short leases renewed while listeners run; and a claim whose store
 * call failed is released (compare-and-delete) until the store confirms, since it may
 * still land there after its request was answered.
 *
 * Over the in-memory store every step is synchronous (a value, not a promise): a
 * promise per step was a tenth of what a small delivery cost, for a Map lookup. Nothing
 * lands late there, so a claim is the plain value "processing".
 */
export class Deduper {
  readonly #store: DedupeStore;
  readonly #memory: MemoryStore | undefined;
  readonly #provider: string;
  readonly #prefix: string;
  readonly #done: { ttlMs: number };
  readonly #claimOptions: { ttlMs: number; onlyIfAbsent: true };
  readonly #onStoreError: (error: WebhookError) => void;
  readonly #releases: PendingReleases;
  readonly #held: HeldClaims;
  #warnedOfEvictions = false;

  constructor(
    store: DedupeStore,
    provider: string,
    ttlMs: number,
    onStoreError: (error: WebhookError) => void,
    timing: DeduperTiming = {},
  ) {
    this.#store = store;
    // Only our own class: a subclass may have overridden the async methods.
    this.#memory = store instanceof MemoryStore && Object.getPrototypeOf(store) === MemoryStore.prototype ? store : undefined;
    this.#provider = provider;
    this.#prefix = `ewr:dedupe:${provider}:`;
    this.#done = { ttlMs };
    // Without `renew` a lease could lapse under a listener still running: claims then last as long as before.
    const leaseMs = typeof store.renew === "function" ? (timing.leaseMs ?? LEASE_MS) : undefined;
    this.#claimOptions = { ttlMs: this.#memory ? PROCESSING_TTL_MS : (leaseMs ?? PROCESSING_TTL_MS), onlyIfAbsent: true };
    this.#onStoreError = onStoreError;
    this.#releases = new PendingReleases(store, {
      retryMs: timing.retryReleaseMs ?? RETRY_RELEASE_MS,
      maxAgeMs: PROCESSING_TTL_MS,
      maxPending: MAX_PENDING_RELEASES,
    });
    const renewEveryMs = timing.renewEveryMs ?? RENEW_EVERY_MS;
    this.#held = new HeldClaims(this.#store, this.#releases, { leaseMs, renewEveryMs, maxHoldMs: PROCESSING_TTL_MS }, (cause) => {
      this.#onStoreError(new WebhookError("store_unavailable", "The dedupe claim could not be renewed.", { cause, provider }));
    });
  }

  /** The store key of a delivery id: bounded in length, whatever the id. */
  #key(id: string): string {
    return this.#prefix + (id.length <= MAX_ID_LENGTH ? id : `sha256:${createHash("sha256").update(id).digest("base64url")}`);
  }

  /**
   * Over the in-memory store, what a claim would find, without writing one: a delivery
   * whose listeners all return at once needs only its "done" written, since no other
   * request can run in between. Undefined over any other store (claim() it is).
   */
  peekNow(id: string): Claim | undefined {
    if (!this.#memory) return undefined;
    const state = this.#memory.getNow(this.#key(id));
    return state === undefined ? "new" : state === "done" ? "done" : "processing";
  }

  /** Claims a delivery id; says what state it was already in if someone else holds it. */
  claim(id: string): Claim | Promise<Claim> {
    const key = this.#key(id);
    const memory = this.#memory;
    if (memory) {
      if (this.#setNow(memory, key, "processing", this.#claimOptions)) return "new";
      const state = memory.getNow(key);
      if (state === "done") return "done";
      // Expired in the millisecond between the two reads: claim it once more.
      return state === undefined && this.#setNow(memory, key, "processing", this.#claimOptions) ? "new" : "processing";
    }
    return this.#claimAsync(key);
  }

  async #claimAsync(key: string): Promise<Claim> {
    // Its listeners run in this process right now: another attempt waits, whatever the store says.
    if (this.#held.has(key)) return "processing";
    const token = `processing:${randomBytes(12).toString("base64url")}`;
    try {
      if (await this.#store.set(key, token, this.#claimOptions)) return this.#hold(key, token);
      const state = await this.#store.get(key);
      if (state === "done") return "done";
      // Released or expired between the two calls: claim it once more.
      if (state === undefined && (await this.#store.set(key, token, this.#claimOptions))) return this.#hold(key, token);
      return "processing";
    } catch (cause) {
      // The claim may have been written, or be written later (sent before the connection
      // dropped, or to a stalled server): take it back, however late, by its token.
      this.#releases.release(key, token).catch(() => {});
      // Without the store we cannot tell a repeat; refusing lets the provider resend.
      throw new WebhookError("store_unavailable", "The dedupe store is unavailable.", { cause });
    }
  }

  #hold(key: string, token: string): "new" {
    this.#held.hold(key, token);
    return "new";
  }

  /** Marks a delivery done. Never rejects: a store failure is reported. */
  complete(id: string): Promise<void> | undefined {
    const key = this.#key(id);
    if (this.#memory) {
      this.#setNow(this.#memory, key, "done", this.#done);
      return undefined;
    }
    this.#held.letGo(key);
    // Unconditional: the listeners succeeded, so "done" is the truth whoever holds a claim
    // now (another attempt's claim exists only if ours lapsed; its release spares "done").
    return this.#quietly(() => this.#store.set(key, "done", this.#done));
  }

  /** Releases a claim, so a resend is dispatched again. Never rejects: a store failure is reported. */
  release(id: string): Promise<void> | undefined {
    const key = this.#key(id);
    if (this.#memory) {
      this.#memory.deleteNow(key);
      return undefined;
    }
    const token = this.#held.letGo(key);
    // Only our own claim: if ours lapsed and another attempt holds it now, it stays.
    if (token === undefined) return Promise.resolve();
    return this.#quietly(() => this.#releases.release(key, token));
  }

  /** A write to the in-memory store, counting the entries it evicted to make room. */
  #setNow(memory: MemoryStore, key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): boolean {
    const before = memory.evictions;
    const stored = memory.setNow(key, value, options);
    if (memory.evictions !== before) this.#evicted(memory.evictions - before);
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

  // After dispatch the answer no longer depends on the store; a failure here is only reported.
  async #quietly(operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (cause) {
      this.#onStoreError(new WebhookError("store_unavailable", "The dedupe store could not be updated.", { cause }));
    }
  }
}
