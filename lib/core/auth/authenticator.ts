import type { HeaderMap, WebhookRequest } from "../types.js";

/** What a custom `verify` (and `onRequest`-style checks) can see of a request. */
export interface VerifiableRequest {
  readonly method: string;
  readonly headers: HeaderMap;
  readonly query: Readonly<Record<string, unknown>>;
  readonly remoteAddress: string | undefined;
  /** The raw bytes; undefined only when another middleware parsed the body first without `keepRawBody`. */
  readonly rawBody: Buffer | undefined;
}

/**
 * Authentication in two steps: `beforeBody` sees only headers, query and address, so a
 * forged request is refused before any byte of its body is read; `afterBody` (custom
 * `verify`) may look at the raw bytes. Both throw a WebhookError to refuse.
 */
export interface Authenticator {
  /** Resolves with the tenant scope where a resolver found the credentials (see `tenantScope`). */
  beforeBody(request: WebhookRequest): Promise<string | undefined>;
  afterBody?(request: VerifiableRequest): Promise<void>;
}

export const noAuthentication: Authenticator = { beforeBody: () => Promise.resolve(undefined) };
