import { withExpressRouter, type ExpressWebhookReceiver } from "../../adapters/express.js";
import { getHeader } from "../../core/headers.js";
import { resolveHeaderSecretOptions, type HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import { WebhookReceiver, type EventMap } from "../../core/receiver.js";
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
export type OkskyReceiver = ExpressWebhookReceiver<"oksky", OkskyEventSchemas, OkskyMeta>;

/**
 * Receives OK SKY webhooks, checking `X-Oksky-Secret-Token`, in whichever content type
 * the webhook was set to (JSON, JSON:API, urlencoded or multipart). Every genuine
 * delivery is answered 200, as OK SKY asks: an invalid payload, a failing or slow
 * listener goes to `onError` (OK SKY never resends; keep what you must not lose).
 *
 * @example
 * const oksky = createOkskyReceiver({ secret: process.env.OKSKY_WEBHOOK_SECRET! });
 * oksky.on("Message.create", (e) => console.log(e.payload.object.room_id, e.payload.object.content));
 * oksky.onError((error) => console.error(error.code, error.event?.name));
 * app.use("/hooks/oksky", oksky.router);
 */
export function createOkskyReceiver(options: OkskyReceiverOptions): OkskyReceiver {
  const resolved = resolveHeaderSecretOptions(options, OKSKY_SECRET_HEADER, okskyProtocol, "createOkskyReceiver");
  return withExpressRouter(new WebhookReceiver(okskyProtocol, resolved));
}
