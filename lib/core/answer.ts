import { WebhookError } from "./errors.js";
import type { Outcome, WebhookResponse } from "./types.js";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

const OK_BODY = '{"ok":true}';
const DUPLICATE_BODY = '{"ok":true,"duplicate":true}';

/**
 * The answer to a delivery we took: 200 `{ "ok": true }` (`duplicate: true` for a
 * repeat). `outcome` says what really happened where a 200 hides a failure (OK SKY).
 */
export function acknowledge(outcome: Outcome = "ok"): WebhookResponse {
  return { status: 200, headers: { ...JSON_HEADERS }, body: outcome === "duplicate" ? DUPLICATE_BODY : OK_BODY, outcome };
}

/** The answer to a refusal or failure: its status and `{ "error": code, "message" }` (its `publicMessage` where it has one). */
export function refuse(error: WebhookError): WebhookResponse {
  const headers: Record<string, string> = { ...JSON_HEADERS, ...error.headers };
  if (error.status === 405) headers["allow"] = "POST";
  if (error.status === 503) headers["retry-after"] = "30";
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ error: error.code, message: error.publicMessage ?? error.message }),
    outcome: error.code,
  };
}

/**
 * An answer no receiver's policy chose: no receiver at this path (404 `not_found`), or a
 * door's last resort (500) when `receive()` could not run at all. No provider is known
 * there, so no resend policy applies: the error's own status.
 */
export function answerWithoutReceiver(error: WebhookError): WebhookResponse {
  return refuse(error);
}

/**
 * The one answer policy: the status and body for every outcome of a request, from the
 * provider's resend policy. Nothing else in the pipeline chooses a status.
 *
 * - A request that is not a delivery (method, credentials, body, envelope) is refused
 *   with its own status whoever sent it: no sender's resend policy makes it one.
 * - A delivery that could not be handled (its payload, its listeners, the store) is
 *   refused (5xx, or 400 for a payload) where the provider resends, since its resend is
 *   the retry; acknowledged with 200 where it never resends, since a refusal would only
 *   be counted against us (OK SKY), the failure going to `onError`.
 */
export class AnswerPolicy {
  /** The provider resends after a 5xx or a timeout (from its protocol). */
  readonly resends: boolean;
  readonly #provider: string;

  constructor(provider: string, resends: boolean) {
    this.#provider = provider;
    this.resends = resends;
  }

  /** The listeners ran, or the event is stored for them. */
  ok(): WebhookResponse {
    return acknowledge();
  }

  /** A repeat of a delivery already handled. */
  duplicate(): WebhookResponse {
    return acknowledge("duplicate");
  }

  /** A repeat of a delivery whose first attempt is still running (and may still fail). */
  inProgress(): WebhookResponse {
    if (!this.resends) return acknowledge("duplicate");
    // A resending sender should come back later, when the first attempt has settled.
    return refuse(new WebhookError("delivery_in_progress", "This delivery is already being processed.", { provider: this.#provider }));
  }

  /** A request refused before it was a delivery (method, auth, body, envelope, shutdown). */
  refused(error: WebhookError): WebhookResponse {
    return refuse(error);
  }

  /** A delivery that failed: its payload, its listeners, their time, or the store. */
  failed(error: WebhookError): WebhookResponse {
    return this.resends ? refuse(error) : acknowledge(error.code);
  }
}
