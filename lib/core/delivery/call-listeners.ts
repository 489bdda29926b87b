import { WebhookError } from "../errors.js";
import type { Listener } from "./emitter.js";
import type { WebhookEventBase } from "../types.js";

/**
 * Calls every listener with the event, all at once, and settles when all have. One or
 * more failures become one `handler_failed` error carrying each cause and the event.
 */
export function callListeners(event: WebhookEventBase, listeners: readonly Listener<WebhookEventBase>[], around?: Around): Promise<void> {
  return callListenersNow(event, listeners, around) ?? Promise.resolve();
}

/**
 * {@link callListeners}, but undefined when every listener has already returned without a
 * promise (a counter, a queue push): the caller then needs no timer and tracks no
 * dispatch (what that saves: BENCHMARKS.md).
 */
export function callListenersNow(
  event: WebhookEventBase,
  listeners: readonly Listener<WebhookEventBase>[],
  around?: Around,
): Promise<void> | undefined {
  // Per listener, once one of them did not simply return: its promise, or its throw as a rejection.
  let outcomes: unknown[] | undefined;
  for (let index = 0; index < listeners.length; index++) {
    const listener = listeners[index] as Listener<WebhookEventBase>;
    let outcome: unknown;
    try {
      const result = around ? invoke(listener, event, index, around) : listener(event);
      if (isThenable(result)) outcome = result;
    } catch (error) {
      // Settled below, in this same tick: never an unhandled rejection. The listener's own
      // throw, whatever it is, is what handler_failed carries.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
      outcome = Promise.reject(error);
    }
    if (outcome !== undefined) (outcomes ??= new Array<unknown>(listeners.length).fill(undefined))[index] = outcome;
  }
  if (outcomes === undefined) return undefined;
  return Promise.allSettled(outcomes).then((results) => {
    const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
    if (errors.length > 0) throw handlerFailed(event, errors);
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** Wraps one listener call (tracing): `call` runs the listener and returns its result. */
export type Around = (index: number, call: () => unknown) => unknown;

/**
 * Calls a listener through `around`, so that a broken hook can neither skip the
 * listener, nor hide its error, nor fail a listener that succeeded.
 */
function invoke(listener: Listener<WebhookEventBase>, event: WebhookEventBase, index: number, around: Around): unknown {
  let called = false;
  let result: unknown;
  let thrown: { error: unknown } | undefined;
  const call = (): unknown => {
    called = true;
    try {
      result = listener(event);
    } catch (error) {
      thrown = { error };
      throw error;
    }
    return result;
  };
  let wrapped: unknown;
  // Below, `called` is whatever call() set, if around() ran it: TypeScript's narrowing cannot see that.
  try {
    wrapped = around(index, call);
  } catch {
    if (thrown) throw thrown.error;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by call(), see above
    return called ? result : listener(event);
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by call(), see above
  if (!called) return listener(event);
  if (thrown) throw thrown.error;
  return wrapped;
}

function handlerFailed(event: WebhookEventBase, errors: unknown[]): WebhookError {
  const first = errors[0];
  const count = errors.length === 1 ? "A listener" : `${errors.length} listeners`;
  // The causes stay on the error; the message goes to the sender, so it names none.
  return new WebhookError("handler_failed", `${count} failed for "${event.name}".`, {
    provider: event.provider,
    event,
    errors,
    cause: first,
  });
}
