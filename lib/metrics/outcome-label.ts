import type { ResponseInfo } from "../core/hooks.js";

type Outcome = ResponseInfo["outcome"];

// A record over the whole union: adding an error code fails to compile until it is listed here.
const OUTCOMES = {
  ok: true,
  duplicate: true,
  method_not_allowed: true,
  not_found: true,
  signature_missing: true,
  signature_mismatch: true,
  ip_not_allowed: true,
  verification_failed: true,
  auth_unavailable: true,
  body_too_large: true,
  body_too_deep: true,
  request_aborted: true,
  request_timeout: true,
  unsupported_media_type: true,
  unsupported_charset: true,
  unsupported_encoding: true,
  malformed_body: true,
  invalid_envelope: true,
  invalid_payload: true,
  handler_failed: true,
  dispatch_timeout: true,
  unstorable_payload: true,
  delivery_in_progress: true,
  store_unavailable: true,
  dedupe_evicted: true,
  shutting_down: true,
  internal_error: true,
} as const satisfies Record<Outcome, true>;

function isOutcome(value: string): value is Outcome {
  return Object.hasOwn(OUTCOMES, value);
}

/** The `outcome` label: one of a fixed set (`"ok"`, `"duplicate"` or an error code), else `"other"`. */
export function outcomeLabel(outcome: string): Outcome | "other" {
  return isOutcome(outcome) ? outcome : "other";
}
