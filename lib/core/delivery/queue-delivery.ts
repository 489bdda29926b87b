import { isRecordFailure } from "../../inbox/store-failure.js";
import type { DeliveryQueue } from "../../inbox/delivery-queue.js";
import type { EventDelivery, DeliveryContext } from "./event-delivery.js";
import type { DirectDelivery } from "./direct-delivery.js";
import { inboxKey } from "./inbox-worker.js";
import { WebhookError } from "../errors.js";
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
    const { answers, report, provider } = this.#context;
    let added: boolean;
    try {
      added = await this.#queue.enqueue({
        key: inboxKey(event),
        provider: event.provider,
        name: event.name,
        deliveryId: event.id,
        known: event.known,
        payload: event.payload,
        meta: event.meta,
        receivedAt: event.receivedAt.getTime(),
      });
    } catch (cause) {
      // As with an inbox: an outage invites a resend; a job the queue can never hold is final.
      const error = isRecordFailure(cause)
        ? new WebhookError("unstorable_payload", "The queue can never store this delivery.", { cause, provider, event })
        : new WebhookError("store_unavailable", "The queue could not store the delivery.", { cause, provider, event });
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
