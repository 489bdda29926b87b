import type { DeliveryQueue } from "../../inbox/delivery-queue.js";
import type { EventDelivery, DeliveryContext } from "./event-delivery.js";
import type { DirectDelivery } from "./direct-delivery.js";
import { recordOf } from "./inbox-worker.js";
import { keepFailure } from "./keep-failure.js";
import type { WebhookEventBase, WebhookResponse } from "../types.js";

/**
 * Delivery through a job queue: the event becomes a job for worker processes, and the
 * answer says only that it was stored. Nothing runs here.
 */
export class QueueDelivery implements EventDelivery {
  readonly #context: DeliveryContext;
  readonly #queue: DeliveryQueue;
  readonly #fallback: DirectDelivery;

  constructor(context: DeliveryContext, queue: DeliveryQueue, fallback: DirectDelivery) {
    this.#context = context;
    this.#queue = queue;
    this.#fallback = fallback;
  }

  async deliver(event: WebhookEventBase, attempt: object | undefined): Promise<WebhookResponse> {
    const { answers, report } = this.#context;
    let added: boolean;
    try {
      added = await this.#queue.enqueue(recordOf(event));
    } catch (cause) {
      const error = keepFailure(cause, "queue", event);
      report(error);
      // A provider that never resends would lose the event: dispatch it here instead.
      return answers.resends ? answers.failed(error) : this.#fallback.deliver(event, attempt);
    }
    return added ? answers.ok() : answers.duplicate();
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([this.#queue.close?.(), this.#fallback.close(timeoutMs)]);
  }
}
