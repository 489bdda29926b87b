import { isWebhookError } from "../core/errors.js";
import { errorMessage } from "../inbox/error-message.js";

/**
 * What a failed delivery job is recorded with (BullMQ keeps the thrown error's `message` as
 * `failedReason` and its `stack`): a single listener's own error, as thrown (so BullMQ's
 * `UnrecoverableError` ends the retries); for several, one error naming each.
 */
export function jobFailure(error: unknown): Error {
  const errors = isWebhookError(error) && error.errors ? error.errors : [error];
  const [first] = errors;
  if (errors.length === 1 && first instanceof Error) return first;
  return new Error(errors.map(errorMessage).join("; ").slice(0, 2000), { cause: error });
}
