import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.js";
import { getHeader } from "../../core/request/headers.js";
import type { GenericAuthOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { oneInboxEnvelopeSchema, oneInboxEventSchemas, type OneInboxEventSchemas } from "./schema.js";

/** Where a OneInbox delivery came from (its request headers). */
export interface OneInboxMeta {
  userAgent: string | undefined;
}

/**
 * The dedupe key. OneInbox sends no delivery id; one event per call is the rule, but
 * `transcript.partial` comes many times per call, so its key adds a hash of the body:
 * a resend (same body) is a repeat, the next partial (more messages) is not.
 */
export function oneInboxDeliveryId(event: string, callId: string | number | undefined, payload: unknown): string | undefined {
  if (callId === undefined) return undefined;
  if (event !== "transcript.partial") return `${event}:${callId}`;
  const digest = createHash("sha256").update(canonicalJson(payload)).digest("hex").slice(0, 32);
  return `${event}:${callId}:${digest}`;
}

// Known events require call_id (their schemas say so), so their id is always set; only
// an unknown event (e.g. a test delivery without a call) may have none.
export const oneInboxProtocol: ProviderProtocol<"oneinbox", OneInboxEventSchemas, OneInboxMeta, string, string | undefined> = {
  provider: "oneinbox",
  events: oneInboxEventSchemas,
  formats: ["json"],
  jsonAliases: [""],
  identify(payload, request) {
    const envelope = parseEnvelope(oneInboxEnvelopeSchema, payload, "oneinbox");
    const id = oneInboxDeliveryId(envelope.event, envelope.call_id, payload);
    return { name: envelope.event, id, meta: { userAgent: getHeader(request.headers, "user-agent") } };
  },
  // OneInbox resends anything not answered 2xx within a few seconds.
  resends: true,
  dedupeByDefault: true,
  // "A few seconds": answer before the sender gives up (listeners keep running).
  dispatchTimeoutMs: 4000,
};

/**
 * Options of {@link createOneInboxReceiver}. OneInbox documents no signature, so `auth`
 * is required (or `allowUnauthenticated: true`): the simplest is a token in the URL you
 * register, e.g. `https://example.com/hooks/oneinbox?token=...` with `auth: { token }`.
 */
export type OneInboxReceiverOptions = GenericAuthOptions;
/** Each OneInbox event by name; `id` is `event:call_id` (see {@link oneInboxDeliveryId}). */
export type OneInboxEvents = EventMap<"oneinbox", OneInboxEventSchemas, OneInboxMeta, string>;
