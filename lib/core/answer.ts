import type { WebhookError } from "./errors.js";
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
