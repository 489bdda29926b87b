import { getHeader } from "../../core/request/headers.js";
import type { HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { normalizeOkskyBody, type OkskyJsonApiDocument } from "./normalize.js";
import { okskyEnvelopeSchema, okskyEventSchemas, type OkskyEventSchemas } from "./schema.js";

/** Where an OK SKY delivery came from (its request headers). */
export interface OkskyMeta {
  /** `X-Oksky-App-Subdomain`: the tenant's subdomain. */
  subdomain: string | undefined;
  /** `User-Agent`: `Oksky-Hookshot/<domain>`. */
  userAgent: string | undefined;
  /** The JSON:API document as received, when the body was one (see `envelopeFromJsonApi`). */
  original?: OkskyJsonApiDocument;
}

export const OKSKY_SECRET_HEADER = "X-Oksky-Secret-Token";

export const okskyProtocol: ProviderProtocol<"oksky", OkskyEventSchemas, OkskyMeta> = {
  provider: "oksky",
  events: okskyEventSchemas,
  // Chosen per webhook: JSON, JSON:API (parsed as JSON: "+json"), urlencoded or multipart.
  formats: ["json", "urlencoded", "multipart"],
  jsonAliases: [],
  normalize: normalizeOkskyBody,
  identify(payload, request, document) {
    const envelope = parseEnvelope(okskyEnvelopeSchema, payload, "oksky");
    // The JSON:API document as received, where normalize() made the envelope from one.
    const original = document as OkskyJsonApiDocument | undefined;
    const meta: OkskyMeta = {
      subdomain: getHeader(request.headers, "x-oksky-app-subdomain"),
      userAgent: getHeader(request.headers, "user-agent"),
      ...(original === undefined ? {} : { original }),
    };
    // OK SKY sends no delivery id, and never resends, so there is nothing to dedupe.
    return { name: `${envelope.object_name}.${envelope.action}`, id: undefined, meta };
  },
  // "Always answer 200": OK SKY never resends, so a failure answered 5xx would only be
  // noise at the sender; failures go to onError instead.
  resends: false,
  dedupeByDefault: false,
  // No sender timeout is documented; answer well within any common HTTP client default.
  dispatchTimeoutMs: 4000,
};

export type OkskyReceiverOptions = HeaderSecretOptions;
/** Each OK SKY event by name; OK SKY sends no delivery id, so `id` is undefined. */
export type OkskyEvents = EventMap<"oksky", OkskyEventSchemas, OkskyMeta>;
