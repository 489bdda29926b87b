import type { ErrorListener } from "./emitter.js";
import type { WebhookError } from "./errors.js";
import type { Logger } from "./types.js";

/**
 * Tells the logger and every `onError` listener. Whatever they do (throw, reject) never
 * reaches the sender or the process: an error listener must not turn into a crash.
 */
export function reportError(
  error: WebhookError,
  listeners: ReadonlySet<ErrorListener>,
  logger: Logger | undefined,
  logPayloads = false,
): void {
  if (logger) {
    const fields = {
      provider: error.provider,
      code: error.code,
      status: error.status,
      event: error.event?.name,
      deliveryId: error.event?.id,
      ...(error.status >= 500 ? { err: error.cause ?? error } : {}),
      // Payloads may hold personal data: only where the user asked for them.
      ...(logPayloads ? { payload: error.event?.payload ?? error.payload } : {}),
    };
    try {
      if (error.status >= 500) logger.error(fields, error.message);
      else logger.warn(fields, error.message);
    } catch {
      // A broken logger is not the sender's problem.
    }
  }
  for (const listener of listeners) {
    try {
      // Promise.resolve also adopts non-native thenables, so no rejection goes unhandled.
      Promise.resolve(listener(error)).catch((failure: unknown) => logger?.error({ err: failure }, "An onError listener rejected."));
    } catch (failure) {
      logger?.error({ err: failure }, "An onError listener threw.");
    }
  }
}
