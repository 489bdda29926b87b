import { WebhookError } from "../errors.js";
import { TIMED_OUT, withTimeout } from "../with-timeout.js";
import type { HeaderMap, WebhookRequest } from "../types.js";

/** What a secret resolver sees of a request: never its body (it runs before the body is read). */
export interface SecretContext {
  readonly headers: HeaderMap;
  readonly query: Readonly<Record<string, unknown>>;
  /** Route parameters of the mount (`/hooks/misskey/:tenant` → `{ tenant }`). */
  readonly params: Readonly<Record<string, string>>;
  readonly remoteAddress: string | undefined;
}

/**
 * A function that finds a secret per request (per-tenant secrets). `undefined`, `""` or
 * anything but the documented shape = no such tenant (401, as a wrong secret).
 */
export type SecretResolver<T> = (context: SecretContext) => T | undefined | Promise<T | undefined>;

/** How long a secret resolver may take before the request gets 503. */
export const DEFAULT_RESOLVER_TIMEOUT_MS = 2000;

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

export function secretContext(request: WebhookRequest): SecretContext {
  return {
    headers: request.headers,
    query: request.query ?? NO_PARAMS,
    params: request.params ?? NO_PARAMS,
    remoteAddress: request.remoteAddress,
  };
}

/**
 * The secrets a resolver's answer holds: its non-empty strings, alone or in an array.
 * Anything else (`undefined`, `""`, what `secrets[tenant]` finds on Object.prototype for
 * a tenant named `constructor`) holds none, so an empty credential can never match.
 */
export function usableSecrets(value: unknown): string[] {
  if (typeof value === "string") return value === "" ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((secret): secret is string => typeof secret === "string" && secret !== "");
}

/**
 * An unknown tenant: reported to `onError` and the log as such (`reason: "no_secret"`),
 * and answered exactly like `mismatch`, the wrong-secret refusal, so that the answer
 * does not tell which tenants exist.
 */
export function noSecretFound(mismatch: WebhookError): WebhookError {
  return new WebhookError(mismatch.code, "No secret was found for this request (the resolver returned none).", {
    headers: mismatch.headers,
    reason: "no_secret",
    publicMessage: mismatch.message,
  });
}

/**
 * Runs a resolver, bounded by `timeoutMs`, and keeps what is `usable` of its answer. A
 * resolver that throws or is too slow is our failure, not the sender's: 503
 * `auth_unavailable`, so a resending provider tries again.
 */
export async function resolveSecret<T>(
  resolver: SecretResolver<unknown>,
  request: WebhookRequest,
  timeoutMs: number,
  usable: (value: unknown) => T,
): Promise<T> {
  try {
    const found = await withTimeout(
      Promise.resolve().then(() => resolver(secretContext(request))),
      timeoutMs,
      { unref: false },
    );
    if (found === TIMED_OUT) throw new Error(`timed out after ${timeoutMs} ms`);
    return usable(found);
  } catch (cause) {
    throw new WebhookError("auth_unavailable", "The secret could not be looked up.", { cause });
  }
}
