import { createHash } from "node:crypto";
import type { SecretDigest } from "./safe-compare.js";

/** Longer route params are hashed: they end up in every dedupe and inbox key. */
const MAX_PARAMS_LENGTH = 128;

function hashed(domain: string, parts: readonly (string | Buffer)[]): string {
  const hash = createHash("sha256").update(`express-webhook-receivers/tenant-scope/${domain}\0`);
  for (const part of parts) hash.update(part);
  return `#${hash.digest("hex").slice(0, 32)}`;
}

/** A param's value; Express 5 gives a wildcard's (`/*path`) as an array of segments. */
function paramValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  return Array.isArray(value) && value.every((segment) => typeof segment === "string") ? value.join("/") : undefined;
}

/** `tenant=acme` (several: sorted by name, `,`-joined, names and values URI-encoded); undefined without params. */
function paramsScope(params: Readonly<Record<string, unknown>>): string | undefined {
  const pairs: string[] = [];
  for (const name of Object.keys(params).sort()) {
    const value = paramValue(params[name]);
    if (value !== undefined) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  if (pairs.length === 0) return undefined;
  const text = pairs.join(",");
  return text.length <= MAX_PARAMS_LENGTH ? text : hashed("params", [text]);
}

/**
 * The scope, per tenant, of the deliveries a secret resolver let in: their dedupe and
 * inbox keys are `@<scope>:<delivery id>`, so no tenant can make another's delivery a
 * "duplicate" by posting its id first.
 *
 * - The mount's route params when it has any (`tenant=acme`): they name the tenant whose
 *   secret was checked, and they do not change when its secrets rotate.
 * - Otherwise a fingerprint of the whole set of credentials the resolver returned
 *   (`#` and 32 hex digits of a SHA-256 over their digests, never the secrets): the same
 *   whichever secret of the set a resend carries, but a new scope once the set itself
 *   changes (a resend across that change may be dispatched again).
 *
 * `credentials`: one digest per accepted credential, in any order.
 */
export function tenantScope(params: Readonly<Record<string, string>> | undefined, credentials: readonly SecretDigest[]): string {
  const named = params && paramsScope(params);
  if (named !== undefined) return named;
  const unique = [...credentials]
    .sort((a, b) => Buffer.compare(a, b))
    .filter((digest, i, sorted) => i === 0 || !digest.equals(sorted[i - 1] as Buffer));
  return hashed("credentials", unique);
}
