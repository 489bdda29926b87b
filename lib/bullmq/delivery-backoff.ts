import type { BackoffOptions, BackoffStrategy } from "bullmq";
import { backoffDelay } from "../core/delivery/inbox-worker.js";

/** The `backoff.type` of delivery jobs: computed by the worker, as an inbox computes its retries. */
export const DELIVERY_BACKOFF = "express-webhook-receivers";

/** BullMQ's backoff options plus the cap, which BullMQ has no field for (it stores the object as given). */
export interface DeliveryBackoff extends BackoffOptions {
  readonly type: typeof DELIVERY_BACKOFF;
  /** First retry delay (ms), doubled each attempt. */
  readonly delay: number;
  /** Longest retry delay (ms). */
  readonly maxDelay: number;
}

/**
 * The worker's `settings.backoffStrategy`: the inbox's `backoffDelay` (doubling, capped, up
 * to 20 % jitter added) for delivery jobs, so both tiers retry alike; BullMQ's own
 * `exponential` has no cap and takes its jitter off the delay. Other custom types go to
 * the user's own strategy, if any.
 */
export function deliveryBackoffStrategy(userStrategy: BackoffStrategy | undefined): BackoffStrategy {
  return (attemptsMade, type, error, job) => {
    if (type === DELIVERY_BACKOFF) {
      const backoff = job?.opts.backoff as Partial<DeliveryBackoff> | undefined;
      const backoffMs = typeof backoff?.delay === "number" ? backoff.delay : 1000;
      const maxBackoffMs = typeof backoff?.maxDelay === "number" ? backoff.maxDelay : 300_000;
      return backoffDelay(attemptsMade, { backoffMs, maxBackoffMs });
    }
    if (userStrategy) return userStrategy(attemptsMade, type, error, job);
    throw new Error(`Unknown backoff strategy ${String(type)}: give it as settings.backoffStrategy.`);
  };
}
