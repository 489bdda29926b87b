import { acknowledge, refuse } from "./answer.js";
import type { Deduper } from "./deduper.js";
import type { Delivery, DeliveryContext } from "./delivery.js";
import { TIMED_OUT, withTimeout } from "./dispatch.js";
import { observeDispatch } from "./observe-dispatch.js";
import { WebhookError } from "./errors.js";
import { settleWithin } from "./settle-within.js";
import type { WebhookEventBase, WebhookResponse } from "./types.js";

/** A delivery id and the deduper that keys on it: dedupe needs both. */
interface Dedupe {
  deduper: Deduper;
  id: string;
}

/**
 * Dispatch in this process, with dedupe where configured: nothing is persisted, so a
 * failure is answered 5xx where the provider resends (its resend is the retry), and
 * reported to `onError` with the whole event where it does not.
 */
export class DirectDelivery implements Delivery {
  readonly #context: DeliveryContext;
  readonly #deduper: Deduper | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(context: DeliveryContext, deduper: Deduper | undefined) {
    this.#context = context;
    this.#deduper = deduper;
  }

  async deliver(event: WebhookEventBase, attempt: object | undefined): Promise<WebhookResponse> {
    const { resends, report, ack, dispatchTimeoutMs, provider } = this.#context;
    const dedupe = event.id === undefined || this.#deduper === undefined ? undefined : { deduper: this.#deduper, id: event.id };
    if (dedupe) {
      const claim = await dedupe.deduper.claim(dedupe.id);
      if (claim === "done") return acknowledge("duplicate");
      if (claim === "processing") {
        // The first delivery may still fail; a resending sender should come back later.
        return resends
          ? refuse(new WebhookError("delivery_in_progress", "This delivery is already being processed.", { provider }))
          : acknowledge("duplicate");
      }
    }

    const run = this.#run(event, dedupe, attempt);
    if (ack === "immediate") {
      run.catch(report);
      return acknowledge();
    }
    const outcome = await withTimeout(
      // #run rejects only with dispatch's handler_failed WebhookError.
      run.then(
        () => undefined,
        (error: unknown) => error as WebhookError,
      ),
      dispatchTimeoutMs,
    );
    if (outcome === TIMED_OUT) {
      run.catch(report);
      const timeout = new WebhookError("dispatch_timeout", `Listeners did not finish within ${dispatchTimeoutMs} ms.`, { provider, event });
      report(timeout);
      return resends ? refuse(timeout) : acknowledge(timeout.code);
    }
    if (outcome === undefined) return acknowledge();
    report(outcome);
    return resends ? refuse(outcome) : acknowledge(outcome.code);
  }

  #run(event: WebhookEventBase, dedupe: Dedupe | undefined, attempt: object | undefined): Promise<void> {
    const run = observeDispatch(this.#context, event, attempt, false).then(
      async () => dedupe?.deduper.complete(dedupe.id),
      async (error: unknown) => {
        // Released, so the provider's resend is dispatched again.
        await dedupe?.deduper.release(dedupe.id);
        throw error;
      },
    );
    const tracked = run.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(tracked);
    void tracked.then(() => this.#inFlight.delete(tracked));
    return run;
  }

  async close(timeoutMs: number): Promise<void> {
    await settleWithin([...this.#inFlight], timeoutMs);
  }
}
