import type { WebhookError } from "./errors.js";
import type { CompiledHooks } from "./hooks.js";
import type { WebhookEventBase, WebhookResponse } from "./types.js";

/** One request as the hooks see it: told when it is refused, verified and answered. */
export interface RequestWatch {
  /** The hooks' token for this request (undefined without hooks), handed on to dispatch. */
  readonly attempt: object | undefined;
  rejected(error: WebhookError): void;
  verified(event: WebhookEventBase): void;
  answered(response: WebhookResponse): void;
}

/** Starts watching each request the pipeline runs. */
export interface RequestObserver {
  start(method: string): RequestWatch;
}

const UNWATCHED: RequestWatch = {
  attempt: undefined,
  rejected() {},
  verified() {},
  answered() {},
};

/** Without hooks: one shared watch that does nothing, so a request costs no clock read and no object. */
const UNOBSERVED: RequestObserver = { start: () => UNWATCHED };

/**
 * The request hooks (onRequest, onRejected, onVerified, onResponse) behind one observer,
 * chosen when the receiver is built: without hooks, one that does nothing.
 */
export function observeRequests(provider: string, hooks: CompiledHooks | undefined): RequestObserver {
  if (hooks === undefined) return UNOBSERVED;
  return { start: (method) => new HookedWatch(provider, hooks, method) };
}

class HookedWatch implements RequestWatch {
  readonly attempt: object = {};
  readonly #provider: string;
  readonly #hooks: CompiledHooks;
  readonly #started = performance.now();
  #event: WebhookEventBase | undefined;

  constructor(provider: string, hooks: CompiledHooks, method: string) {
    this.#provider = provider;
    this.#hooks = hooks;
    hooks.onRequest?.({ provider, attempt: this.attempt, method });
  }

  rejected(error: WebhookError): void {
    this.#hooks.onRejected?.({
      provider: this.#provider,
      attempt: this.attempt,
      code: error.code,
      status: error.status,
      event: error.event?.name,
      durationMs: performance.now() - this.#started,
      error,
    });
  }

  verified(event: WebhookEventBase): void {
    this.#event = event;
    this.#hooks.onVerified?.({
      provider: this.#provider,
      attempt: this.attempt,
      event: event.name,
      known: event.known,
      deliveryId: event.id,
      durationMs: performance.now() - this.#started,
    });
  }

  answered(response: WebhookResponse): void {
    const event = this.#event;
    this.#hooks.onResponse?.({
      provider: this.#provider,
      attempt: this.attempt,
      status: response.status,
      outcome: response.outcome,
      event: event?.name,
      known: event?.known,
      deliveryId: event?.id,
      durationMs: performance.now() - this.#started,
    });
  }
}
