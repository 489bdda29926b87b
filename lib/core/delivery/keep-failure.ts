import { isRecordFailure } from "../../inbox/store-failure.js";
import { WebhookError } from "../errors.js";
import type { WebhookEventBase } from "../types.js";

/**
 * Why a delivery could not be kept (stored in an inbox, or enqueued). An outage passes,
 * so a resend may be kept; a record the store can never hold (unserialisable, refused by
 * a constraint) is refused for good instead of inviting resends that would all fail alike.
 */
export function keepFailure(cause: unknown, where: "inbox" | "queue", event: WebhookEventBase): WebhookError {
  const { provider } = event;
  return isRecordFailure(cause)
    ? new WebhookError("unstorable_payload", `The ${where} can never store this delivery.`, { cause, provider, event })
    : new WebhookError("store_unavailable", `The ${where} could not store the delivery.`, { cause, provider, event });
}
