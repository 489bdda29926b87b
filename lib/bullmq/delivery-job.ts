import type { NewInboxRecord } from "../inbox/types.js";

/**
 * A delivery job's `data`, as `BullmqHandoff` stores it: the fields an inbox record starts
 * with, as JSON, and the id of the `enqueue` call that stored it.
 */
export interface BullmqDeliveryData {
  /** The delivery's dedupe key (`misskey:<id>`); the job id is `jobIdOfKey(key)`. */
  readonly key: string;
  readonly provider: string;
  /** Event name (also the job's name). */
  readonly name: string;
  /** Absent where the provider sends no delivery id. */
  readonly deliveryId?: string;
  /** Whether the event name had a schema when received. */
  readonly known: boolean;
  /** The validated payload. */
  readonly payload: unknown;
  readonly meta: unknown;
  /** Epoch ms. */
  readonly receivedAt: number;
  /**
   * Random, one per `enqueue` call: a resend finding the job already there (BullMQ then
   * adds nothing and returns the job's id all the same) reads someone else's here.
   */
  readonly enqueueId: string;
}

/** The job data of a record, stored by the `enqueue` call `enqueueId`. */
export function deliveryJobData(record: NewInboxRecord, enqueueId: string): BullmqDeliveryData {
  const { key, provider, name, deliveryId, known, payload, meta, receivedAt } = record;
  return { key, provider, name, deliveryId, known, payload, meta, receivedAt, enqueueId };
}

/** Whether a job's data is a delivery (a queue may hold other jobs too). */
export function isDeliveryJobData(data: unknown): data is BullmqDeliveryData {
  if (typeof data !== "object" || data === null) return false;
  const job = data as Record<string, unknown>;
  return (
    typeof job["key"] === "string" &&
    typeof job["provider"] === "string" &&
    typeof job["name"] === "string" &&
    (job["deliveryId"] === undefined || typeof job["deliveryId"] === "string") &&
    typeof job["known"] === "boolean" &&
    typeof job["receivedAt"] === "number"
  );
}
