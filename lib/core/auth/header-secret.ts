import { WebhookError } from "../errors.js";
import { getHeader } from "../headers.js";
import type { Authenticator } from "./authenticator.js";
import { DEFAULT_RESOLVER_TIMEOUT_MS, resolveSecret, type SecretResolver } from "./resolve-secret.js";
import { digestSecrets, matchesSecret, type SecretDigest } from "./safe-compare.js";

export type SecretSource = string | readonly string[] | SecretResolver<string | readonly string[]>;

/**
 * A static shared secret sent in a header (Misskey, OK SKY, NHN Cloud). Several
 * secrets may be valid at once, so one can be rotated without downtime; a resolver
 * finds them per request (per tenant).
 */
export function headerSecret(header: string, source: SecretSource, resolverTimeoutMs = DEFAULT_RESOLVER_TIMEOUT_MS): Authenticator {
  const name = header.toLowerCase();
  const fixed = typeof source === "function" ? undefined : digestSecrets(source);
  const check = (given: string, digests: readonly SecretDigest[]): void => {
    if (!matchesSecret(given, digests)) {
      throw new WebhookError("signature_mismatch", `The ${header} header does not match the configured secret.`);
    }
  };
  return {
    beforeBody(request) {
      const given = getHeader(request.headers, name);
      if (given === undefined || given === "") {
        throw new WebhookError("signature_missing", `The ${header} header is missing.`);
      }
      if (fixed) {
        check(given, fixed);
        return;
      }
      return resolveSecret(source as SecretResolver<string | readonly string[]>, request, resolverTimeoutMs).then((secrets) => {
        // No secret for this tenant: answered exactly like a wrong one.
        check(given, secrets === undefined || secrets.length === 0 ? [] : digestSecrets(secrets));
      });
    },
  };
}
