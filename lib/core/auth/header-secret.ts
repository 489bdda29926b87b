import { WebhookError } from "../errors.js";
import { getHeader } from "../request/headers.js";
import type { Authenticator } from "./authenticator.js";
import { DEFAULT_RESOLVER_TIMEOUT_MS, noSecretFound, resolveSecret, usableSecrets, type SecretResolver } from "./resolve-secret.js";
import { digestSecrets, matchesSecret } from "./safe-compare.js";
import { tenantScope } from "./tenant-scope.js";

export type SecretSource = string | readonly string[] | SecretResolver<string | readonly string[]>;

/**
 * A static shared secret sent in a header (Misskey, OK SKY, NHN Cloud). Several
 * secrets may be valid at once, so one can be rotated without downtime; a resolver
 * finds them per request (per tenant), and its deliveries are scoped per tenant.
 */
export function headerSecret(header: string, source: SecretSource, resolverTimeoutMs = DEFAULT_RESOLVER_TIMEOUT_MS): Authenticator {
  const name = header.toLowerCase();
  const fixed = typeof source === "function" ? undefined : digestSecrets(source);
  const mismatch = (): WebhookError => new WebhookError("signature_mismatch", `The ${header} header does not match the configured secret.`);
  return {
    async beforeBody(request) {
      const given = getHeader(request.headers, name);
      if (given === undefined || given === "") {
        throw new WebhookError("signature_missing", `The ${header} header is missing.`);
      }
      if (fixed) {
        if (!matchesSecret(given, fixed)) throw mismatch();
        return undefined;
      }
      const secrets = await resolveSecret(source as SecretResolver<unknown>, request, resolverTimeoutMs, usableSecrets);
      const digests = digestSecrets(secrets);
      // Compared even when there is nothing to compare with, as a wrong secret is.
      const matched = matchesSecret(given, digests);
      if (digests.length === 0) throw noSecretFound(mismatch());
      if (!matched) throw mismatch();
      return tenantScope(request.params, digests);
    },
  };
}
