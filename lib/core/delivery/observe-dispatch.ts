import type { DeliveryContext } from "./event-delivery.js";
import { callListeners } from "./call-listeners.js";
import type { WebhookError } from "../errors.js";
import type { WebhookEventBase } from "../types.js";

/**
 * Dispatches an event to its listeners, telling the hooks how it went. Without hooks
 * it is exactly `dispatch`: no clock read, no info object.
 */
export async function observeDispatch(
  context: DeliveryContext,
  event: WebhookEventBase,
  attempt: object | undefined,
  retry: boolean,
): Promise<void> {
  const listeners = context.emitter.listenersFor(event);
  const { hooks, provider } = context;
  if (hooks === undefined || attempt === undefined) return callListeners(event, listeners);

  const base = { provider, attempt, event: event.name, known: event.known, deliveryId: event.id, retry };
  const { aroundListener } = hooks;
  const around = aroundListener && ((index: number, call: () => unknown) => aroundListener({ ...base, index }, call));
  const started = performance.now();
  try {
    await callListeners(event, listeners, around);
  } catch (error) {
    const failure = error as WebhookError;
    hooks.onFailed?.({ ...base, durationMs: performance.now() - started, code: failure.code, error: failure });
    throw error;
  }
  hooks.onDispatched?.({ ...base, durationMs: performance.now() - started });
}
