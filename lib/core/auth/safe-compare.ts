import { createHash, timingSafeEqual } from "node:crypto";

/** A configured secret, kept only as its digest. */
export type SecretDigest = Buffer;

// UTF-16 code units, not UTF-8: UTF-8 turns every lone surrogate into U+FFFD, which
// would make "\uD800" and "\uD801" the same secret.
function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf16le").digest();
}

export function digestSecrets(secrets: string | readonly string[]): SecretDigest[] {
  return (typeof secrets === "string" ? [secrets] : secrets).map(digest);
}

/**
 * Whether `given` equals one of the secrets, in time that depends on neither the
 * secrets' contents nor their lengths: both sides are hashed to 32 bytes first, and
 * every secret is compared (no early exit that would tell which one matched).
 */
export function matchesSecret(given: string, secrets: readonly SecretDigest[]): boolean {
  const candidate = digest(given);
  let matched = false;
  for (const secret of secrets) matched = timingSafeEqual(candidate, secret) || matched;
  return matched;
}
