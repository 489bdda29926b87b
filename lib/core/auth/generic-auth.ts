import { createHash } from "node:crypto";
import { WebhookError } from "../errors.js";
import { getHeader } from "../request/headers.js";
import type { WebhookRequest } from "../types.js";
import type { Authenticator, VerifiableRequest } from "./authenticator.js";
import { ipAllowList } from "./ip-allow-list.js";
import { DEFAULT_RESOLVER_TIMEOUT_MS, noSecretFound, resolveSecret, usableSecrets, type SecretResolver } from "./resolve-secret.js";
import { digestSecrets, matchesSecret, type SecretDigest } from "./safe-compare.js";
import { tenantScope } from "./tenant-scope.js";

/**
 * How to authenticate a provider that documents no signature. Credentials (`token`,
 * `basic`) pass if any one given matches; `allowIps` and `verify` must pass as well.
 */
export interface AuthOptions {
  /**
   * A shared token, accepted as `Authorization: Bearer <token>`, an `X-Webhook-Token`
   * header or a `?token=` query parameter (put it in the webhook URL you register).
   * Several tokens may be valid at once, for rotation. A function finds them per
   * request (per tenant), before the body is read: look them up in a `Map` (or with
   * `Object.hasOwn`); anything but non-empty strings is no token (401).
   */
  token?: string | readonly string[] | SecretResolver<string | readonly string[]>;
  /**
   * HTTP Basic credentials (register `https://user:pass@host/path` as the URL), or a
   * function finding them per request; it must return a non-empty username (no `:`)
   * and password, or nothing counts (401).
   */
  basic?: BasicCredentials | SecretResolver<BasicCredentials>;
  /** Addresses and CIDR ranges allowed to post. Behind a proxy, set Express's `trust proxy`. */
  allowIps?: readonly string[];
  /** Your own check, with the raw body; return false to refuse (401), throw for 503. */
  verify?: (request: VerifiableRequest) => boolean | Promise<boolean>;
}

export interface BasicCredentials {
  username: string;
  password: string;
}

interface Digests {
  tokens: SecretDigest[] | undefined;
  basic: { username: SecretDigest[]; password: SecretDigest[] } | undefined;
}

function digestCredentials(token: string | readonly string[] | undefined, basic: BasicCredentials | undefined): Digests {
  return {
    tokens: token === undefined || token.length === 0 ? undefined : digestSecrets(token),
    basic: basic && { username: digestSecrets(basic.username), password: digestSecrets(basic.password) },
  };
}

/**
 * Basic credentials a resolver's answer holds: a non-empty username without ':' and a
 * non-empty password, both strings (as the options demand of fixed ones); else none.
 */
function usableBasic(value: unknown): BasicCredentials | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { username, password } = value as Partial<Record<keyof BasicCredentials, unknown>>;
  if (typeof username !== "string" || typeof password !== "string") return undefined;
  return username !== "" && !username.includes(":") && password !== "" ? { username, password } : undefined;
}

/** One digest per credential, for the tenant scope: each token, and the Basic pair as one. */
function credentialDigests(digests: Digests): SecretDigest[] {
  const all = [...(digests.tokens ?? [])];
  const { basic } = digests;
  if (basic)
    all.push(
      createHash("sha256")
        .update(basic.username[0] as Buffer)
        .update(basic.password[0] as Buffer)
        .digest(),
    );
  return all;
}

const BASIC_CHALLENGE = { "www-authenticate": 'Basic realm="webhooks", charset="UTF-8"' };

function credentialsFrom(request: Parameters<Authenticator["beforeBody"]>[0]): { token?: string; basic?: string } {
  const found: { token?: string; basic?: string } = {};
  const authorization = getHeader(request.headers, "authorization");
  if (authorization) {
    const space = authorization.indexOf(" ");
    const scheme = space === -1 ? "" : authorization.slice(0, space).toLowerCase();
    // Only spaces and tabs around the credential (RFC 9110), not every Unicode space.
    const value = authorization.slice(space + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (scheme === "bearer") found.token = value;
    else if (scheme === "basic") found.basic = value;
  }
  found.token ??= getHeader(request.headers, "x-webhook-token");
  const query = request.query?.["token"];
  if (found.token === undefined && typeof query === "string") found.token = query;
  return found;
}

function basicMatches(encoded: string, username: SecretDigest[], password: SecretDigest[]): boolean {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) return false;
  // Both halves are always compared, so timing does not tell which one was wrong.
  const userOk = matchesSecret(decoded.slice(0, colon), username);
  const passOk = matchesSecret(decoded.slice(colon + 1), password);
  return userOk && passOk;
}

/** Compiles `auth` options into an {@link Authenticator}; throws on a bad option. */
export function genericAuth(options: AuthOptions, resolverTimeoutMs = DEFAULT_RESOLVER_TIMEOUT_MS): Authenticator {
  const { token, basic, verify } = options;
  const dynamic = typeof token === "function" || typeof basic === "function";
  const fixed = dynamic ? undefined : digestCredentials(token, basic);
  const ipAllowed = options.allowIps && ipAllowList(options.allowIps);
  const challenge = basic ? BASIC_CHALLENGE : undefined;

  const check = (given: ReturnType<typeof credentialsFrom>, digests: Digests): void => {
    const ok =
      (digests.tokens !== undefined && given.token !== undefined && matchesSecret(given.token, digests.tokens)) ||
      (digests.basic !== undefined &&
        given.basic !== undefined &&
        basicMatches(given.basic, digests.basic.username, digests.basic.password));
    if (ok) return;
    const mismatch = new WebhookError("signature_mismatch", "The credentials do not match.", { headers: challenge });
    throw digests.tokens === undefined && digests.basic === undefined ? noSecretFound(mismatch) : mismatch;
  };
  // Fixed values pass through as they are (the options schema refused empty ones).
  const resolve = <T>(source: T | SecretResolver<unknown> | undefined, usable: (value: unknown) => T, request: WebhookRequest) =>
    typeof source === "function" ? resolveSecret(source as SecretResolver<unknown>, request, resolverTimeoutMs, usable) : source;

  return {
    async beforeBody(request) {
      if (ipAllowed && !ipAllowed(request.remoteAddress)) {
        throw new WebhookError("ip_not_allowed", "Requests from this address are not allowed.");
      }
      if (token === undefined && basic === undefined) return undefined;
      const given = credentialsFrom(request);
      if (given.token === undefined && given.basic === undefined) {
        throw new WebhookError("signature_missing", "No credentials were sent.", { headers: challenge });
      }
      if (fixed) {
        check(given, fixed);
        return undefined;
      }
      const [tokens, credentials] = await Promise.all([resolve(token, usableSecrets, request), resolve(basic, usableBasic, request)]);
      const digests = digestCredentials(tokens, credentials);
      check(given, digests);
      return tenantScope(request.params, credentialDigests(digests));
    },
    afterBody: verify
      ? async (request) => {
          // unknown, not boolean: a JavaScript verify may return anything, and only `true` lets a request through.
          let ok: unknown;
          try {
            ok = await verify(request);
          } catch (cause) {
            throw new WebhookError("auth_unavailable", "The verify function failed.", { cause });
          }
          if (ok !== true) throw new WebhookError("verification_failed", "The request did not pass verification.");
        }
      : undefined,
  };
}
