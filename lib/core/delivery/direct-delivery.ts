import type { Claim, Deduper } from "./deduper.js";
import type { EventDelivery, DeliveryContext } from "./event-delivery.js";
import { deliveryKey } from "./delivery-key.js";
import { callListenersNow } from "./call-listeners.js";
import { observeDispatch } from "./observe-dispatch.js";
import { WebhookError } from "../errors.js";
import { settleWithin, TIMED_OUT, withTimeout } from "../with-timeout.js";
import type { WebhookEventBase, WebhookResponse } from "../types.js";

/**
 * Dispatch in this process, with dedupe where configured: nothing is persisted, so a
 * failure is answered 5xx where the provider resends (its resend is the retry), and
 * reported to `onError` with the whole event where it does not.
 *
 * Nothing here waits unless something has to: with the in-memory dedupe store and
 * listeners that return no promise, no timer is set and no dispatch tracked.
 */
export class DirectDelivery implements EventDelivery {
  readonly #context: DeliveryContext;
  readonly #deduper: Deduper | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(context: DeliveryContext, deduper: Deduper | undefined) {
    this.#context = context;
    this.#deduper = deduper;
  }

  async deliver(event: WebhookEventBase, attempt: object | undefined): Promise<WebhookResponse> {
    const deduper = event.id === undefined ? undefined : this.#deduper;
    if (deduper === undefined) return this.#dispatch(event, undefined, attempt);
    const id = deliveryKey(event, event.id as string);
    if (this.#context.hooks === undefined) {
      // In memory, without hooks: look first, and write the claim only if something is
      // left running (most deliveries then write one record, "done", instead of two).
      // Nothing can come in between: even a listener handing the same delivery back to
      // receive() reaches this point only after the pipeline's awaits, once it is done.
      const seen = deduper.peek(id);
      if (seen === "new") return this.#dispatch(event, deduper, attempt, id);
      if (seen !== undefined) return this.#claimed(seen, event, deduper, attempt);
    }
    return this.#claimed(await deduper.claim(id), event, deduper, attempt);
  }

  #claimed(claim: Claim, event: WebhookEventBase, deduper: Deduper, attempt: object | undefined): Promise<WebhookResponse> {
    if (claim === "done") return Promise.resolve(this.#context.answers.duplicate());
    if (claim === "processing") return Promise.resolve(this.#context.answers.inProgress());
    return this.#dispatch(event, deduper, attempt);
  }

  /** `unclaimed`: the id of a delivery only peeked at, whose claim is written here if anything is left running. */
  #dispatch(
    event: WebhookEventBase,
    deduper: Deduper | undefined,
    attempt: object | undefined,
    unclaimed?: string,
  ): Promise<WebhookResponse> {
    const { hooks, emitter, ack } = this.#context;
    let dispatched: Promise<void>;
    if (hooks === undefined || attempt === undefined) {
      const pending = callListenersNow(event, emitter.listenersFor(event));
      if (pending === undefined && ack === "after-dispatch") {
        // Every listener is done already: no timeout to race, nothing to track.
        const { answers } = this.#context;
        if (deduper === undefined) return Promise.resolve(answers.ok());
        return deduper.complete(deliveryKey(event, event.id as string)).then(() => answers.ok());
      }
      // Something runs on: from here other requests may come in, so the claim goes in now.
      if (unclaimed !== undefined) void deduper?.claim(unclaimed);
      dispatched = pending ?? Promise.resolve();
    } else {
      dispatched = observeDispatch(this.#context, event, attempt, false);
    }
    return this.#settle(event, this.#track(dispatched, event, deduper));
  }

  /** The answer once listeners that returned promises settle, or their time is up. */
  async #settle(event: WebhookEventBase, run: Promise<void>): Promise<WebhookResponse> {
    const { answers, report, ack, dispatchTimeoutMs, provider } = this.#context;
    if (ack === "immediate") {
      run.catch(report);
      return answers.ok();
    }
    const outcome = await withTimeout(
      // #track rejects only with dispatch's handler_failed WebhookError.
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
      return answers.failed(timeout);
    }
    if (outcome === undefined) return answers.ok();
    report(outcome);
    return answers.failed(outcome);
  }

  /** Completes or releases the dedupe claim as the dispatch ends, and keeps it for close(). */
  #track(dispatched: Promise<void>, event: WebhookEventBase, deduper: Deduper | undefined): Promise<void> {
    const id = deliveryKey(event, event.id as string);
    const run = dispatched.then(
      async () => deduper?.complete(id),
      async (error: unknown) => {
        // Released, so the provider's resend is dispatched again.
        await deduper?.release(id);
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
