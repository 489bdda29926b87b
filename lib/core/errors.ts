import type { WebhookErrorCode } from "./error-code.js";
import type { WebhookEventBase } from "./types.js";

export type { WebhookErrorCode } from "./error-code.js";

const DEFAULT_STATUS: Record<WebhookErrorCode, number> = {
  method_not_allowed: 405,
  // Only from createWebhookMiddleware / createWebhookFetchHandler: no receiver at that path.
  not_found: 404,
  signature_missing: 401,
  signature_mismatch: 401,
  // 403, not 401: credentials would not help a caller from the wrong network.
  ip_not_allowed: 403,
  verification_failed: 401,
  // 503: our dependency failed, not the sender; a resending provider may try again.
  auth_unavailable: 503,
  body_too_large: 413,
  body_too_deep: 400,
  request_aborted: 400,
  request_timeout: 408,
  unsupported_media_type: 415,
  unsupported_charset: 415,
  unsupported_encoding: 415,
  malformed_body: 400,
  invalid_envelope: 400,
  invalid_payload: 400,
  handler_failed: 500,
  dispatch_timeout: 503,
  // 422, final: the store is healthy but can never hold this delivery, so a resend
  // would fail the same way (Misskey treats 4xx other than 408 and 429 as final).
  unstorable_payload: 422,
  delivery_in_progress: 503,
  store_unavailable: 503,
  // Never an answer: a warning to onError and the logger (at warn) that the in-memory dedupe forgets ids early.
  dedupe_evicted: 200,
  shutting_down: 503,
  internal_error: 500,
};

/** A zod-style issue list, kept structural so this module does not depend on zod. */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
}

export interface WebhookErrorDetails {
  status?: number;
  provider?: string;
  cause?: unknown;
  /** The event, when the failure happened after it was identified. */
  event?: WebhookEventBase;
  /** The parsed, unvalidated payload (for `invalid_payload` and `invalid_envelope`). */
  payload?: unknown;
  /** Schema issues, for `invalid_payload` and `invalid_envelope`. */
  issues?: readonly ValidationIssue[];
  /** Every listener error, for `handler_failed`. */
  errors?: readonly unknown[];
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  headers?: Readonly<Record<string, string>>;
  /** Finer than `code`, for `onError` and the log only (the sender never sees it). */
  reason?: WebhookErrorReason;
  /** What the sender is told instead of `message`, where `message` says more than it should. */
  publicMessage?: string;
}

/**
 * Why, where the code does not say and the sender must not learn it:
 * `no_secret`: a secret resolver found no secret for the request (an unknown tenant),
 * answered exactly like a wrong secret.
 */
export type WebhookErrorReason = "no_secret";

const BRAND = Symbol.for("express-webhook-receivers.WebhookError");

/**
 * The one error type this package produces. `code` is stable and documented; `status`
 * is what the receiver answered (or would answer).
 */
export class WebhookError extends Error {
  override readonly name = "WebhookError";
  readonly code: WebhookErrorCode;
  readonly status: number;
  readonly provider: string | undefined;
  readonly event: WebhookEventBase | undefined;
  readonly payload: unknown;
  readonly issues: readonly ValidationIssue[] | undefined;
  readonly errors: readonly unknown[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly reason: WebhookErrorReason | undefined;
  readonly publicMessage: string | undefined;

  constructor(code: WebhookErrorCode, message: string, details: WebhookErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status ?? DEFAULT_STATUS[code];
    this.provider = details.provider;
    this.event = details.event;
    this.payload = details.payload;
    this.issues = details.issues;
    this.errors = details.errors;
    this.headers = details.headers;
    this.reason = details.reason;
    this.publicMessage = details.publicMessage;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A copy carrying more context, keeping code and message. */
  with(details: WebhookErrorDetails): WebhookError {
    return new WebhookError(this.code, this.message, {
      status: this.status,
      provider: this.provider,
      cause: this.cause,
      event: this.event,
      payload: this.payload,
      issues: this.issues,
      errors: this.errors,
      headers: this.headers,
      reason: this.reason,
      publicMessage: this.publicMessage,
      ...details,
    });
  }
}

/** True for errors from this package, even across its ESM and CommonJS copies. */
export function isWebhookError(value: unknown): value is WebhookError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
