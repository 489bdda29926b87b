import { UnrecoverableError, Worker, type Job, type WorkerOptions } from "bullmq";
import { eventOfRecord } from "../core/delivery/inbox-worker.js";
import type { EventSchemas } from "../core/protocol.js";
import { dispatcherOf, type ReceiverDispatcher, type WebhookReceiver } from "../core/receiver.js";
import { WebhookError } from "../core/errors.js";
import { deliveryBackoffStrategy } from "./delivery-backoff.js";
import { isDeliveryJobData, type BullmqDeliveryData } from "./delivery-job.js";
import { jobFailure } from "./job-failure.js";

/** Any receiver made by a `createXReceiver` factory. */
export type BullmqWorkerReceiver = Pick<WebhookReceiver<string, EventSchemas, unknown>, "provider" | "receive">;

/** BullMQ's `WorkerOptions`, and the name of the queue the hand-off adds to. */
export interface BullmqWorkerOptions extends WorkerOptions {
  /** The queue's name (as given to `new Queue(name)` for `BullmqHandoff`). */
  queue: string;
  /** Jobs run at once in this worker. @default 8 (as `receiver.work()`) */
  concurrency?: number;
}

/**
 * A BullMQ `Worker` that runs the receiver's listeners for each delivery job that
 * `BullmqHandoff` added: typed `on(...)` listeners, `onError`, hooks (metrics, traces), as
 * the receiver would run them itself. A listener that throws fails the attempt; BullMQ
 * retries it with the hand-off's backoff (`settings.backoffStrategy` is set for it; one of
 * yours still serves other types) and, after `maxAttempts`, keeps it failed with the
 * listener's error, for `queue.getFailed()` and `job.retry()`. Several receivers (of
 * different providers) may share one queue: pass them all. Stop it with `worker.close()`.
 *
 * @example
 * const worker = createBullmqWorker(misskey, { connection, queue: "webhooks", concurrency: 8 });
 * process.on("SIGTERM", () => void worker.close());
 */
export function createBullmqWorker(
  receivers: BullmqWorkerReceiver | readonly BullmqWorkerReceiver[],
  options: BullmqWorkerOptions,
): Worker<BullmqDeliveryData, void> {
  const dispatchers = dispatchersOf(receivers);
  if (typeof (options as unknown) !== "object" || (options as unknown) === null) {
    throw new TypeError('createBullmqWorker: give options { connection, queue: "<queue name>" }.');
  }
  const { queue, settings, ...workerOptions } = options;
  if (typeof queue !== "string" || queue === "") {
    throw new TypeError('createBullmqWorker: options.queue must be the queue\'s name (e.g. "webhooks").');
  }
  const worker = new Worker<BullmqDeliveryData, void>(queue, (job) => runJob(job, dispatchers), {
    ...workerOptions,
    concurrency: workerOptions.concurrency ?? 8,
    settings: { ...settings, backoffStrategy: deliveryBackoffStrategy(settings?.backoffStrategy) },
  });
  // Without a listener BullMQ prints each connection error itself; the receiver reports them instead.
  const [first] = dispatchers.values();
  worker.on("error", (cause) => {
    first?.report(new WebhookError("store_unavailable", `The BullMQ worker of queue "${queue}" lost Redis.`, { cause }));
  });
  return worker;
}

function dispatchersOf(receivers: BullmqWorkerReceiver | readonly BullmqWorkerReceiver[]): Map<string, ReceiverDispatcher> {
  const list: readonly unknown[] = Array.isArray(receivers) ? receivers : [receivers];
  const dispatchers = new Map<string, ReceiverDispatcher>();
  for (const receiver of list) {
    let dispatcher: ReceiverDispatcher;
    try {
      dispatcher = dispatcherOf(receiver as object);
    } catch {
      throw new TypeError("createBullmqWorker: expected a receiver made by a createXReceiver factory (e.g. createMisskeyReceiver(...)).");
    }
    if (dispatchers.has(dispatcher.provider)) {
      throw new TypeError(`createBullmqWorker: two receivers of ${dispatcher.provider}; one per provider runs its jobs.`);
    }
    dispatchers.set(dispatcher.provider, dispatcher);
  }
  if (dispatchers.size === 0) throw new TypeError("createBullmqWorker: give at least one receiver.");
  return dispatchers;
}

async function runJob(job: Job<BullmqDeliveryData, void>, dispatchers: ReadonlyMap<string, ReceiverDispatcher>): Promise<void> {
  const data: unknown = job.data;
  // Retrying cannot change either: the job fails at once, and stays for a look.
  if (!isDeliveryJobData(data)) throw new UnrecoverableError(`Job ${String(job.id)} is not a webhook delivery from BullmqHandoff.`);
  const dispatcher = dispatchers.get(data.provider);
  if (dispatcher === undefined) {
    throw new UnrecoverableError(`Job ${String(job.id)} is a ${data.provider} delivery, and this worker has no ${data.provider} receiver.`);
  }
  // A job started before (failed, or stalled in a worker that died) is a retry.
  const retry = job.attemptsMade > 0 || job.attemptsStarted > 1;
  try {
    await dispatcher.dispatch(eventOfRecord({ ...data, deliveryId: data.deliveryId }), retry);
  } catch (error) {
    // Reported already (onError, logger); BullMQ records this and decides on a retry.
    throw jobFailure(error);
  }
}
