import { getHeader } from "../../core/request/headers.js";
import type { HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { misskeyEnvelopeSchema, misskeyEventSchemas, type MisskeyEventSchemas } from "./schema.js";

/** Where a Misskey delivery came from (its request headers). */
export interface MisskeyMeta {
  /** `X-Misskey-Host`: the instance's host name. */
  host: string | undefined;
  /** `X-Misskey-Hook-Id`: the webhook's id on that instance. */
  hookId: string | undefined;
}

export const MISSKEY_SECRET_HEADER = "X-Misskey-Hook-Secret";

export const misskeyProtocol: ProviderProtocol<"misskey", MisskeyEventSchemas, MisskeyMeta, string> = {
  provider: "misskey",
  events: misskeyEventSchemas,
  formats: ["json"],
  // Before 13.11 Misskey set no type and fetch sent "text/plain;charset=UTF-8".
  jsonAliases: ["text/plain", ""],
  identify(payload, request) {
    const envelope = parseEnvelope(misskeyEnvelopeSchema, payload, "misskey");
    const meta = { host: getHeader(request.headers, "x-misskey-host"), hookId: getHeader(request.headers, "x-misskey-hook-id") };
    return { name: envelope.type, id: envelope.eventId, meta };
  },
  // Misskey retries 5xx, 429 and timeouts (4 tries over ~11 min); other 4xx are final.
  resends: true,
  dedupeByDefault: true,
  // The sender aborts at 5 s: answer before it does.
  dispatchTimeoutMs: 4000,
};

export type MisskeyReceiverOptions = HeaderSecretOptions;
/** Each Misskey event by name; `id` is the delivery's `eventId`, always sent. */
export type MisskeyEvents = EventMap<"misskey", MisskeyEventSchemas, MisskeyMeta, string>;
