import { WebhookError } from "../errors.js";
import { getHeader } from "../headers.js";
import type { Authenticator } from "./authenticator.js";
import { digestSecrets, matchesSecret } from "./safe-compare.js";

/**
 * A static shared secret sent in a header (Misskey, OK SKY, NHN Cloud). Several
 * secrets may be valid at once, so one can be rotated without downtime.
 */
export function headerSecret(header: string, secrets: string | readonly string[]): Authenticator {
  const name = header.toLowerCase();
  const digests = digestSecrets(secrets);
  return {
    beforeBody(request) {
      const given = getHeader(request.headers, name);
      if (given === undefined || given === "") {
        throw new WebhookError("signature_missing", `The ${header} header is missing.`);
      }
      if (!matchesSecret(given, digests)) {
        throw new WebhookError("signature_mismatch", `The ${header} header does not match the configured secret.`);
      }
    },
  };
}
