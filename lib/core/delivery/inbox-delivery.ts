import type { EventDelivery, DeliveryContext } from "./event-delivery.js";
import type { DirectDelivery } from "./direct-delivery.js";
import { withTimeout } from "../with-timeout.js";
import { keepFailure } from "./keep-failure.js";
import type { InboxWorker } from "./inbox-worker.js";
import type { WebhookEventBase, WebhookResponse } from "../types.js";

/**
 * Delivery through a durable inbox: once an event is stored the receiver owns it and
 * answers 2xx whatever its listeners do; failures are retried from the inbox.
 */
export class InboxDelivery implements EventDelivery {
  readonly #context: DeliveryContext;
  readonly #worker: InboxWorker;
  readonly #fallback: DirectDelivery;

  constructor(context: DeliveryContext, worker: InboxWorker, fallback: DirectDelivery) {
    this.#context = context;
    this.#worker = worker;
    this.#fallback = fallback;
  }

  async deliver(event: WebhookEventBase, attempt: object | undefined): Promise<WebhookResponse> {
    const { answers, report, ack, dispatchTimeoutMs } = this.#context;
    let accepted: "duplicate" | { attempt: Promise<void> };
    try {
      accepted = await this.#worker.accept(event, attempt);
    } catch (cause) {
      const error = keepFailure(cause, "inbox", event);
      report(error);
      // For a provider that never resends, dispatching without the inbox is better
      // than losing the event, whatever the reason.
      return answers.resends ? answers.failed(error) : this.#fallback.deliver(event, attempt);
    }
    if (accepted === "duplicate") return answers.duplicate();
    // The attempt never rejects (failures are recorded); waiting only paces the sender.
    if (ack === "after-dispatch") await withTimeout(accepted.attempt, dispatchTimeoutMs);
    return answers.ok();
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([this.#worker.close(timeoutMs), this.#fallback.close(timeoutMs)]);
  }
}
