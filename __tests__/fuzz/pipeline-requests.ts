import fc from "fast-check";
import type { WebhookRequest } from "../../lib/core/types.js";
import { boundaryArb, chunkingOf, contentLengthFor, streamOf } from "./arbitraries.js";
import { mutationOf } from "./json-mutations.js";
import type { Credential, ProviderCase } from "./providers.js";

/** The receivers' body limit in these properties: small, so 413 is cheap to reach. */
export const FUZZ_LIMIT = 16 * 1024;

/** A credential as sent, and whether it is one of the configured secrets. */
interface SentCredential {
  form: number;
  value: string | string[];
  /** Header names as sent: lower-case (Node) or in any case (a caller of receive()). */
  upper: boolean;
}

/** A generated request, and what the oracle needs to know about it (printable as a counterexample). */
export interface FuzzRequest extends fc.WithToStringMethod {
  /** Builds a fresh request (a stream can be read only once). */
  build(): WebhookRequest;
  method: string;
  credentials: SentCredential[];
  bodyLength: number | undefined;
  description: string;
}

function nearMisses(secret: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    `${secret}x`,
    secret.slice(0, -1),
    secret.toUpperCase(),
    ` ${secret}`,
    `${secret}\t`,
    secret.slice(1),
    `${secret}, ${secret}`,
    "",
  );
}

function credentialArb(provider: ProviderCase, secrets: readonly string[]): fc.Arbitrary<SentCredential> {
  const right = fc.constantFrom(...secrets);
  const value = fc.oneof(
    { weight: 9, arbitrary: right },
    { weight: 1, arbitrary: right.map((secret) => [secret]) },
    { weight: 1, arbitrary: fc.tuple(right, right).map(([a, b]) => [a, b]) },
    { weight: 3, arbitrary: right.chain(nearMisses) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
  return fc.record({ form: fc.nat({ max: provider.credentialForms.length - 1 }), value, upper: fc.boolean() });
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=shift_jis",
  "application/json; charset=x-bogus",
  "application/vnd.api+json",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "application/xml",
  "text/html",
  "",
  "multipart/form-data",
];

function contentTypeArb(own: string): fc.Arbitrary<string | string[] | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(own) },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: boundaryArb.map((boundary) => `multipart/form-data; boundary="${boundary}"`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant<string[]>([own, "text/plain"]) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

/** Bodies: the valid sample, mutated, truncated, padded past the limit, random bytes, random JSON, empty. */
function bodyArb(sample: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(sample) },
    {
      weight: 3,
      arbitrary: fc.nat().map((seed) => {
        try {
          return Buffer.from(JSON.stringify(mutationOf(JSON.parse(sample.toString()), seed)));
        } catch {
          return sample;
        }
      }),
    },
    { weight: 2, arbitrary: fc.nat({ max: sample.length }).map((cut) => sample.subarray(0, cut)) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: FUZZ_LIMIT - 2, max: FUZZ_LIMIT + 2 })
        .map((size) => Buffer.concat([sample, Buffer.alloc(Math.max(size - sample.length, 0), 0x20)])),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
}

type Transport =
  { kind: "buffer" } | { kind: "string" } | { kind: "parsed" } | { kind: "stream"; chunks: Buffer[]; contentLength: string | undefined };

function transportArb(body: Buffer): fc.Arbitrary<Transport> {
  return fc.oneof(
    fc.constant<Transport>({ kind: "buffer" }),
    fc.constant<Transport>({ kind: "string" }),
    fc.constant<Transport>({ kind: "parsed" }),
    fc
      .tuple(chunkingOf(body), contentLengthFor(body.length))
      .map(([chunks, contentLength]): Transport => ({ kind: "stream", chunks, contentLength })),
  );
}

function withCredentials(provider: ProviderCase, credentials: readonly SentCredential[]): Credential {
  const merged: Credential = { headers: {}, query: {} };
  for (const { form, value, upper } of credentials) {
    const credential = provider.credentialForms[form]!(value);
    for (const [name, sent] of Object.entries(credential.headers)) merged.headers[upper ? name.toUpperCase() : name] = sent;
    Object.assign(merged.query, credential.query);
  }
  return merged;
}

/** Any request a provider's receiver may meet on the internet, built around one of its valid deliveries. */
export function requestArb(provider: ProviderCase, secrets: readonly string[]): fc.Arbitrary<FuzzRequest> {
  return provider.deliveries
    .chain((delivery) => {
      const sample = Buffer.isBuffer(delivery.body) ? delivery.body : Buffer.from(delivery.body);
      return fc
        .record({
          method: fc.oneof(
            { weight: 20, arbitrary: fc.constant("POST") },
            fc.constantFrom("post", "GET", "PUT", "DELETE", "OPTIONS"),
            fc.string({ minLength: 1, maxLength: 8 }),
          ),
          credentials: fc.oneof(
            { weight: 6, arbitrary: credentialArb(provider, secrets).map((one) => [one]) },
            fc.constant<SentCredential[]>([]),
            fc.array(credentialArb(provider, secrets), { minLength: 2, maxLength: 3 }),
          ),
          contentType: contentTypeArb(delivery.headers["content-type"] ?? ""),
          body: bodyArb(sample),
          junk: fc.dictionary(
            fc.constantFrom(
              "x-forwarded-for",
              "X-Misskey-Host",
              "user-agent",
              "x-oksky-app-subdomain",
              "transfer-encoding",
              "content-encoding",
            ),
            fc.string({ maxLength: 20 }),
            { maxKeys: 2 },
          ),
        })
        .chain((parts) => transportArb(parts.body).map((transport) => ({ ...parts, transport })));
    })
    .map(({ method, credentials, contentType, body, junk, transport }): FuzzRequest => ({
      method,
      credentials,
      bodyLength: transport.kind === "parsed" ? undefined : body.length,
      description: `${method} ${transport.kind} ${String(contentType)} ${body.length}B`,
      // How fast-check prints a counterexample: everything needed to replay it by hand.
      [fc.toStringMethod]: () =>
        JSON.stringify({
          method,
          credentials,
          contentType,
          junk,
          transport: { ...transport, chunks: undefined },
          body: body.toString("latin1").slice(0, 2000),
        }),
      build() {
        const credential = withCredentials(provider, credentials);
        const headers: Record<string, string | string[]> = { ...junk, ...credential.headers };
        if (contentType !== undefined) headers["content-type"] = contentType;
        const request: WebhookRequest = { method, headers, query: credential.query };
        switch (transport.kind) {
          case "buffer":
            return { ...request, body };
          case "string":
            return { ...request, body: body.toString("utf8") };
          case "parsed": {
            // What a global express.json() would have left: the parsed value, or nothing usable.
            let parsed: unknown;
            try {
              parsed = JSON.parse(body.toString());
            } catch {
              parsed = {};
            }
            return { ...request, body: typeof parsed === "object" && parsed !== null ? parsed : { value: parsed } };
          }
          case "stream":
            if (transport.contentLength !== undefined) headers["content-length"] = transport.contentLength;
            return { ...request, stream: streamOf(transport.chunks) };
        }
      },
    }));
}
