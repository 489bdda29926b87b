/** Where a delivery stands in the inbox. */
export type InboxStatus = "pending" | "done" | "failed";

/** One verified delivery, kept until its listeners have succeeded (and a while after). */
export interface InboxRecord {
  /**
   * Unique key: `<provider>:<delivery id>`, or `<provider>:~<uuid>` where the provider sends
   * no id; `<provider>:@<tenant scope>:…` where a secret resolver found the credentials.
   */
  readonly key: string;
  readonly provider: string;
  /** Event name. */
  readonly name: string;
  readonly deliveryId: string | undefined;
  /** Whether the event name had a schema when received. */
  readonly known: boolean;
  /** The validated payload (JSON-serialisable). */
  readonly payload: unknown;
  /** The event's `meta` (JSON-serialisable). */
  readonly meta: unknown;
  /** Epoch ms. */
  readonly receivedAt: number;
  readonly status: InboxStatus;
  /** Dispatch attempts started so far. */
  readonly attempts: number;
  /**
   * Epoch ms from which a worker may take it. Taking a record (a lease) pushes this
   * into the future, so a worker that dies mid-dispatch leaves a record that becomes
   * due again when its lease runs out.
   */
  readonly nextAttemptAt: number;
  /** The last failure's message (never a secret: it is what a listener threw). */
  readonly lastError: string | undefined;
  /** Epoch ms of the last change. */
  readonly updatedAt: number;
}

/** What the receiver hands the inbox for a new delivery. */
export type NewInboxRecord = Pick<InboxRecord, "key" | "provider" | "name" | "deliveryId" | "known" | "payload" | "meta" | "receivedAt">;

export interface InboxFilter {
  status?: InboxStatus;
  provider?: string;
  /** Most records returned (newest first). @default 100 */
  limit?: number;
}

export interface PurgeFilter {
  status?: InboxStatus;
  provider?: string;
  /** Only records last changed before this epoch ms. */
  before?: number;
}

/** Which records to lease, and for how long. */
export interface LeaseOptions {
  /** Most records returned. */
  limit: number;
  /** How long the lease lasts. */
  leaseMs: number;
  /** The caller's clock, epoch ms. */
  now: number;
  /** Only this provider's records (one store may serve several receivers). */
  provider?: string;
}

/**
 * Durable storage of deliveries between "verified" and "handled". Every method that
 * changes a record must be durable when its promise resolves, and `add` and `lease*`
 * must be atomic across every process sharing the store.
 */
export interface InboxStore {
  /**
   * Stores a new record as `pending`, leased to the caller until `now + leaseMs`
   * (the receiver dispatches it at once, so `attempts` starts at 1). With `leaseMs` 0
   * (an ingest-only receiver) it is nobody's yet: due at once, `attempts` 0. Resolves false,
   * changing nothing, when the key is already there: a duplicate delivery. (A done
   * record pruned after `retainMs` is no longer there.) Rejects with an
   * `UnstorableRecordError` for a record it can never hold (the receiver answers it as
   * final, 422 `unstorable_payload`); any other rejection is taken for an outage (503
   * `store_unavailable`, inviting a resend).
   */
  add(record: NewInboxRecord, options: { leaseMs: number; now: number }): Promise<boolean>;
  /**
   * Leases up to `limit` pending records that are due (`nextAttemptAt <= now`), the
   * earliest due first, counting an attempt on each; returns them oldest received
   * first. With `provider`, only that provider's records: receivers that share one
   * store each lease their own.
   */
  leaseDue(options: LeaseOptions): Promise<InboxRecord[]>;
  /**
   * Optional. Runs `attempt` for record `key` in one database transaction that, when `attempt`
   * resolves, marks the record done and commits; when it rejects, rolls back and rethrows (the
   * worker then records the failure with `fail`, outside the transaction). Resolves false
   * without calling `attempt` when the record is not the caller's to run: another worker's
   * transaction holds it, or it is no longer pending. While `attempt` runs, `event` is bound to
   * the transaction (PostgresInbox: `inbox.transactionOf(event)`).
   */
  runInTransaction?(key: string, event: object, attempt: () => Promise<void>, options: { now: number }): Promise<boolean>;
  /** Marks a record done (kept for `retainMs`, then it may be dropped). */
  complete(key: string, options: { now: number }): Promise<void>;
  /**
   * Records a failed attempt: back to `pending`, due at `retryAt`; or, with
   * `retryAt` undefined, `failed` for good (kept until replayed or purged). Changes
   * only a pending record: one that another worker completed meanwhile stays done.
   */
  fail(key: string, options: { error: string; retryAt: number | undefined; now: number }): Promise<void>;
  get(key: string): Promise<InboxRecord | undefined>;
  list(filter?: InboxFilter): Promise<InboxRecord[]>;
  /**
   * Makes the records pending and due now (failed ones get their attempts reset).
   * Returns how many existed. A record being dispatched at that moment may be
   * dispatched again.
   */
  requeue(keys: readonly string[], options: { now: number }): Promise<number>;
  /** Deletes matching records. Returns how many. */
  purge(filter: PurgeFilter): Promise<number>;
  /** Pending and failed counts, for health checks and metrics. */
  counts(): Promise<{ pending: number; failed: number; done: number }>;
  close(): Promise<void>;
}

const INBOX_METHODS = ["add", "leaseDue", "complete", "fail", "get", "list", "requeue", "purge", "counts", "close"] as const;

export function isInboxStore(value: unknown): value is InboxStore {
  return (
    typeof value === "object" &&
    value !== null &&
    INBOX_METHODS.every((name) => typeof (value as Record<string, unknown>)[name] === "function")
  );
}
