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
 *
 * `header` may list several names where a provider family renames the header (Misskey,
 * Firefish, Iceshrimp): the secret is read from whichever one is sent. A request sending
 * two of them is refused, as no member of the family does: otherwise which one was
 * checked would depend on our order, not the sender's.
 */
export function headerSecret(
  header: string | readonly string[],
  source: SecretSource,
  resolverTimeoutMs = DEFAULT_RESOLVER_TIMEOUT_MS,
): Authenticator {
  const [first, ...rest] = (typeof header === "string" ? [header] : header).map((display) => ({ display, name: display.toLowerCase() }));
  if (!first) throw new TypeError("headerSecret: name at least one header.");
  const headers = [first, ...rest];
  const fixed = typeof source === "function" ? undefined : digestSecrets(source);
  const mismatch = (display: string): WebhookError =>
    new WebhookError("signature_mismatch", `The ${display} header does not match the configured secret.`);
  const names = headers.map((h) => h.display).join(" / ");
  return {
    async beforeBody(request) {
      const sent = headers.filter((h) => getHeader(request.headers, h.name) !== undefined);
      if (sent.length > 1) {
        throw new WebhookError("signature_mismatch", `Only one of ${names} may be sent; this request has ${sent.length}.`);
      }
      const used = sent[0] ?? first;
      const given = getHeader(request.headers, used.name);
      // Sent empty (a Misskey hook created without a secret) counts as not sent: only
      // allowUnauthenticated (without a secret) accepts it, never a configured secret.
      if (given === undefined || given === "") {
        throw new WebhookError("signature_missing", `The ${sent.length === 0 ? names : used.display} header is missing.`);
      }
      if (fixed) {
        if (!matchesSecret(given, fixed)) throw mismatch(used.display);
        return undefined;
      }
      const secrets = await resolveSecret(source as SecretResolver<unknown>, request, resolverTimeoutMs, usableSecrets);
      const digests = digestSecrets(secrets);
      // Compared even when there is nothing to compare with, as a wrong secret is.
      const matched = matchesSecret(given, digests);
      if (digests.length === 0) throw noSecretFound(mismatch(used.display));
      if (!matched) throw mismatch(used.display);
      return tenantScope(request.params, digests);
    },
  };
}
