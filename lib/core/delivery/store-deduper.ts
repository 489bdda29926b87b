import { randomBytes } from "node:crypto";
import { WebhookError } from "../errors.js";
import { dedupeStoreKey } from "./delivery-key.js";
import { PROCESSING_TTL_MS, type Claim, type Deduper, type DeduperTiming } from "./deduper.js";
import { HeldClaims } from "./held-claims.js";
import { PendingReleases } from "./pending-releases.js";
import type { DedupeStore } from "../../stores/types.js";

/** A claim's life between renewals, over a store that can renew (`renew`). */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
const RETRY_RELEASE_MS = 1000;
const MAX_PENDING_RELEASES = 10_000;

/**
 * Dedupe over any {@link DedupeStore} but the in-memory one: a claim's value is a token
 * unique to the attempt, so that an attempt only ever releases or renews its own claim;
 * where the store can renew, claims are short leases renewed while listeners run; and a
 * claim whose store call failed is released (compare-and-delete) until the store
 * confirms, since it may still land there after its request was answered.
 */
export class StoreDeduper implements Deduper {
  readonly #store: DedupeStore;
  readonly #prefix: string;
  readonly #done: { ttlMs: number };
  readonly #claimOptions: { ttlMs: number; onlyIfAbsent: true };
  readonly #onStoreError: (error: WebhookError) => void;
  readonly #releases: PendingReleases;
  readonly #held: HeldClaims;

  constructor(
    store: DedupeStore,
    provider: string,
    prefix: string,
    ttlMs: number,
    onStoreError: (error: WebhookError) => void,
    timing: DeduperTiming = {},
  ) {
    this.#store = store;
    this.#prefix = prefix;
    this.#done = { ttlMs };
    // Without `renew` a lease could lapse under a listener still running: claims then last as long as before.
    const leaseMs = typeof store.renew === "function" ? (timing.leaseMs ?? LEASE_MS) : undefined;
    this.#claimOptions = { ttlMs: leaseMs ?? PROCESSING_TTL_MS, onlyIfAbsent: true };
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

  /** A shared store cannot answer without a round trip: claim() it is. */
  peek(): undefined {
    return undefined;
  }

  async claim(id: string): Promise<Claim> {
    const key = dedupeStoreKey(this.#prefix, id);
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

  complete(id: string): Promise<void> {
    const key = dedupeStoreKey(this.#prefix, id);
    this.#held.letGo(key);
    // Unconditional: the listeners succeeded, so "done" is the truth whoever holds a claim
    // now (another attempt's claim exists only if ours lapsed; its release spares "done").
    return this.#quietly(() => this.#store.set(key, "done", this.#done));
  }

  release(id: string): Promise<void> {
    const key = dedupeStoreKey(this.#prefix, id);
    const token = this.#held.letGo(key);
    // Only our own claim: if ours lapsed and another attempt holds it now, it stays.
    if (token === undefined) return Promise.resolve();
    return this.#quietly(() => this.#releases.release(key, token));
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
