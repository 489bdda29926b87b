import type { NewInboxRecord } from "./types.js";

/**
 * A job queue that worker processes take deliveries from (BullMQ: `BullmqHandoff` from
 * `express-webhook-receivers/bullmq`). The receiver answers 2xx once `enqueue` has
 * resolved, and runs no listener itself.
 */
export interface DeliveryQueue {
  /**
   * Stores a verified delivery as a job whose id is `record.key`. Resolves false, adding
   * nothing, when a job with that id is already there: a duplicate. Rejects with an
   * `UnstorableRecordError` for a record it can never hold (answered 422); any other
   * rejection is taken for an outage (503, inviting a resend).
   */
  enqueue(record: NewInboxRecord): Promise<boolean>;
  /** Releases what the queue opened itself (never a connection it was given). */
  close?(): Promise<void>;
}

export function isDeliveryQueue(value: unknown): value is DeliveryQueue {
  return typeof value === "object" && value !== null && typeof (value as DeliveryQueue).enqueue === "function";
}
