import type { PendingReleases } from "./pending-releases.js";
import type { DedupeStore } from "../../stores/types.js";

export interface HeldClaimsOptions {
  /** A claim's life between renewals; undefined where the store cannot renew (no leases). */
  leaseMs: number | undefined;
  renewEveryMs: number;
  /** Longest a claim is renewed: a listener running longer is held off no longer than before leases. */
  maxHoldMs: number;
}

/** A claim this process holds: its attempt's token, renewed while listeners run. */
interface Held {
  readonly token: string;
  readonly since: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The dedupe claims whose listeners run in this process, by store key, each renewed
 * (compare-and-expire of its token) every `renewEveryMs` until it is let go.
 */
export class HeldClaims {
  readonly #store: DedupeStore;
  readonly #releases: PendingReleases;
  readonly #options: HeldClaimsOptions;
  readonly #onError: (cause: unknown) => void;
  readonly #held = new Map<string, Held>();

  constructor(store: DedupeStore, releases: PendingReleases, options: HeldClaimsOptions, onError: (cause: unknown) => void) {
    this.#store = store;
    this.#releases = releases;
    this.#options = options;
    this.#onError = onError;
  }

  has(key: string): boolean {
    return this.#held.has(key);
  }

  hold(key: string, token: string): void {
    const held: Held = { token, since: Date.now(), timer: undefined };
    if (this.#options.leaseMs !== undefined) {
      held.timer = setInterval(() => {
        this.#renew(key, held, this.#options.leaseMs as number);
      }, this.#options.renewEveryMs);
      held.timer.unref();
    }
    this.#held.set(key, held);
  }

  /** Stops renewing the claim of `key`; its token, if this process held one. */
  letGo(key: string): string | undefined {
    const held = this.#held.get(key);
    if (held === undefined) return undefined;
    clearInterval(held.timer);
    this.#held.delete(key);
    return held.token;
  }

  #renew(key: string, held: Held, leaseMs: number): void {
    if (Date.now() - held.since >= this.#options.maxHoldMs) {
      clearInterval(held.timer);
      return;
    }
    const renewing = async (): Promise<void> => {
      if (await (this.#store.renew as NonNullable<DedupeStore["renew"]>).call(this.#store, key, held.token, leaseMs)) return;
      // Lapsed (an outage longer than the lease, a store that lost it): take it again
      // while nobody else has, so a resend is not dispatched beside listeners still running.
      if (!(await this.#store.set(key, held.token, { ttlMs: leaseMs, onlyIfAbsent: true }))) {
        clearInterval(held.timer);
        return;
      }
      // Let go meanwhile: that claim is nobody's.
      if (this.#held.get(key) !== held) await this.#releases.release(key, held.token);
    };
    renewing().catch(this.#onError);
  }
}
