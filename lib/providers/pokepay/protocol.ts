import { getHeader } from "../../core/request/headers.js";
import type { GenericAuthOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { pokepayEnvelopeSchema, pokepayEventSchemas, type PokepayEventSchemas } from "./schema.js";

/** Where a Pokepay delivery came from (its request headers). */
export interface PokepayMeta {
  userAgent: string | undefined;
}

export const pokepayProtocol: ProviderProtocol<"pokepay", PokepayEventSchemas, PokepayMeta> = {
  provider: "pokepay",
  events: pokepayEventSchemas,
  formats: ["json"],
  jsonAliases: [""],
  identify(payload, request) {
    const envelope = parseEnvelope(pokepayEnvelopeSchema, payload, "pokepay");
    // Without an operation id there is no telling a resend from the task finishing again,
    // which it legitimately may: such deliveries are not deduplicated.
    const id = envelope.operation_id || undefined;
    return { name: envelope.task, id, meta: { userAgent: getHeader(request.headers, "user-agent") } };
  },
  // Retries are not documented: answer failures with 5xx so a resend, if any, is dispatched.
  resends: true,
  dedupeByDefault: true,
  dispatchTimeoutMs: 4000,
};

/**
 * Options of {@link createPokepayReceiver}. Pokepay documents no signature, so `auth` is
 * required (or `allowUnauthenticated: true`): the simplest is a token in the URL you
 * register with CreateWebhook, e.g. `https://example.com/hooks/pokepay?token=...`.
 */
export type PokepayReceiverOptions = GenericAuthOptions;
/** Each Pokepay event by name; `id` is `operation_id` where one is sent, else undefined. */
export type PokepayEvents = EventMap<"pokepay", PokepayEventSchemas, PokepayMeta>;
