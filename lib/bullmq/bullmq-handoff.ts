import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import type { JobsOptions, Queue } from "bullmq";
import { TIMED_OUT, withTimeout } from "../core/with-timeout.js";
import type { DeliveryQueue } from "../inbox/delivery-queue.js";
import type { NewInboxRecord } from "../inbox/types.js";
import { errorMessage } from "../inbox/error-message.js";
import { storedJson, UnstorableRecordError } from "../inbox/unstorable.js";
import { DELIVERY_BACKOFF, type DeliveryBackoff } from "./delivery-backoff.js";
import { deliveryJobData, type BullmqDeliveryData } from "./delivery-job.js";
import { jobIdOfKey } from "./job-id.js";

/** Options of {@link BullmqHandoff}: the jobs' retry policy and how long they are kept. */
export interface BullmqHandoffOptions {
  /** Attempts (BullMQ's `attempts`) before a job is left failed. @default 5 (as the inbox) */
  maxAttempts?: number;
  /** First retry delay, doubled each attempt, with up to 20 % jitter. @default 1000 */
  backoffMs?: number;
  /** Longest retry delay. @default 300000 */
  maxBackoffMs?: number;
  /**
   * How long a completed job is kept (BullMQ's `removeOnComplete: { age }`): the dedupe
   * window, since a resend is recognised by its job. BullMQ prunes older ones lazily, so
   * they may stay a little longer, never less. Failed jobs are always kept (`removeOnFail:
   * false`), for `queue.getFailed()`, `job.retry()` and Bull Board. @default 86400000 (24 h)
   */
  keepCompletedMs?: number;
  /**
   * Longest wait for Redis to store a job; past it the delivery is answered 503
   * `store_unavailable` (a resending provider tries again) rather than hang while Redis is
   * away (BullMQ's client queues commands until it reconnects). A job that still lands
   * later is harmless: the resend finds it and is answered as a duplicate. @default 2000
   * (below Misskey's 5 s sender timeout)
   */
  timeoutMs?: number;
}

/** The queue operations the hand-off uses (a BullMQ `Queue`). */
type HandoffQueue = Pick<Queue<BullmqDeliveryData>, "add" | "getJob" | "name">;

/**
 * Hands each verified delivery to a BullMQ queue, for the `queue` option of any receiver:
 * one job per delivery, named after its event, whose id is the delivery's dedupe key
 * (`jobIdOfKey`), so a resend adds nothing and is answered as a duplicate while its job is
 * waiting, active, delayed, failed, or completed less than `keepCompletedMs` ago. Workers
 * built from the same receiver (`createBullmqWorker`) run the listeners. The queue is
 * yours: `receiver.close()` leaves it open.
 *
 * @example
 * const queue = new Queue("webhooks", { connection });
 * const misskey = createMisskeyReceiver({ secret, queue: new BullmqHandoff(queue) });
 */
export class BullmqHandoff implements DeliveryQueue {
  readonly #queue: HandoffQueue;
  readonly #jobOptions: JobsOptions;
  readonly #timeoutMs: number;

  constructor(queue: Queue, options: BullmqHandoffOptions = {}) {
    if (!isQueue(queue)) throw new TypeError("BullmqHandoff needs a BullMQ Queue (new Queue(name, { connection })).");
    const settings = resolveOptions(options);
    const backoff: DeliveryBackoff = { type: DELIVERY_BACKOFF, delay: settings.backoffMs, maxDelay: settings.maxBackoffMs };
    this.#queue = queue as HandoffQueue;
    this.#timeoutMs = settings.timeoutMs;
    this.#jobOptions = {
      attempts: settings.maxAttempts,
      backoff,
      removeOnComplete: { age: Math.ceil(settings.keepCompletedMs / 1000) },
      removeOnFail: false,
    };
  }

  /**
   * Adds the delivery's job; false when its job was already there (a duplicate). Rejects
   * with an `UnstorableRecordError` for a payload with no JSON form, and with an outage
   * error when Redis does not confirm within `timeoutMs`.
   */
  async enqueue(record: NewInboxRecord): Promise<boolean> {
    // BullMQ would throw on a cycle or a BigInt, and silently drop a function: check first.
    storedJson("payload", record.payload);
    storedJson("meta", record.meta);
    const enqueueId = randomUUID();
    const added = await withTimeout(this.#add(record, enqueueId), this.#timeoutMs);
    if (added === TIMED_OUT) {
      throw new Error(`BullMQ queue "${this.#queue.name}" did not store the job within ${this.#timeoutMs} ms (is Redis reachable?).`);
    }
    return added;
  }

  async #add(record: NewInboxRecord, enqueueId: string): Promise<boolean> {
    const jobId = jobIdOfKey(record.key);
    try {
      await this.#queue.add(record.name, deliveryJobData(record, enqueueId), { ...this.#jobOptions, jobId });
    } catch (error) {
      // The queue's own `sizeLimit` (defaultJobOptions): final, whatever Redis does.
      if (/^The size of job .* exceeds the limit/.test(errorMessage(error))) {
        throw new UnstorableRecordError(`The job is larger than the queue's sizeLimit.`, { cause: error });
      }
      throw error;
    }
    // BullMQ returns a job either way: whether it is ours is in what Redis holds.
    const job = await this.#queue.getJob(jobId);
    // Gone already (removed by hand, or a tiny keepCompletedMs): ours is the likelier story.
    return job === undefined || job.data.enqueueId === enqueueId;
  }
}

const DEFAULTS: Required<BullmqHandoffOptions> = {
  maxAttempts: 5,
  backoffMs: 1000,
  maxBackoffMs: 300_000,
  keepCompletedMs: 24 * 3_600_000,
  timeoutMs: 2000,
};

/** The options with defaults applied; a wrong or unknown one throws at start-up, with its name. */
function resolveOptions(options: BullmqHandoffOptions): Required<BullmqHandoffOptions> {
  const settings = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (!Object.hasOwn(DEFAULTS, name)) {
      throw new TypeError(`BullmqHandoff: unknown option "${name}" (known: ${Object.keys(DEFAULTS).join(", ")}).`);
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`BullmqHandoff: ${name} must be a positive whole number, got ${inspect(value)}.`);
    }
    settings[name as keyof BullmqHandoffOptions] = value;
  }
  return settings;
}

function isQueue(value: unknown): value is Queue {
  const queue = value as Partial<Queue> | null | undefined;
  return typeof queue?.add === "function" && typeof queue.getJob === "function" && typeof queue.name === "string";
}
