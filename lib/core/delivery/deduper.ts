/**
 * Longest delivery id (in UTF-16 units) kept as it is in a dedupe key; a longer one is
 * replaced by its SHA-256 (base64url), so a key costs at most about this much whatever
 * a sender puts in its id.
 */
export const MAX_ID_LENGTH = 200;

/**
 * How long a claim holds a delivery "processing" before another attempt may claim it:
 * in memory, and over stores that cannot renew; with leases, the longest one is renewed.
 */
export const PROCESSING_TTL_MS = 10 * 60 * 1000;

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
 */
export interface Deduper {
  /**
   * What a claim would find, without writing one, where that can be known at once (in
   * memory: a delivery whose listeners all return at once then needs only its "done"
   * written, since no other request can run in between); undefined elsewhere.
   */
  peek(id: string): Claim | undefined;
  /** Claims a delivery id; says what state it was already in if someone else holds it. */
  claim(id: string): Promise<Claim>;
  /** Marks a delivery done. Never rejects: a store failure is reported. */
  complete(id: string): Promise<void>;
  /** Releases a claim, so a resend is dispatched again. Never rejects: a store failure is reported. */
  release(id: string): Promise<void>;
}
