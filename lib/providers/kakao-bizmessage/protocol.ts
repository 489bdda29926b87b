import type { HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { kakaoBizmessageEventSchemas, kakaoEnvelopeSchema, type KakaoBizmessageEventSchemas } from "./schema.js";

/** Which NHN Cloud product and webhook setting a delivery came from (from its envelope). */
export interface KakaoBizmessageMeta {
  /** The product that raised the event ("KakaoTalk Bizmessage"; siblings: SMS, Email). */
  productName: string;
  /** The app key of the project the event happened in. */
  appKey: string;
  /** The webhook setting's id. */
  webhookConfigId: string;
}

/**
 * The header NHN Cloud puts the console's "signature" in: a static string, not an HMAC.
 * (The docs' cURL sample shows a wrong value and an `X-Secret-Key` header; neither is sent.)
 */
export const KAKAO_SIGNATURE_HEADER = "X-Toast-Webhook-Signature";

export const kakaoBizmessageProtocol: ProviderProtocol<"kakao-bizmessage", KakaoBizmessageEventSchemas, KakaoBizmessageMeta, string> = {
  provider: "kakao-bizmessage",
  events: kakaoBizmessageEventSchemas,
  formats: ["json"],
  // Sent as "application/json;charset=UTF-8"; a missing type is read as JSON too.
  jsonAliases: [""],
  identify(payload) {
    const { event, hooksId, productName, appKey, webhookConfigId } = parseEnvelope(kakaoEnvelopeSchema, payload, "kakao-bizmessage");
    return { name: event, id: hooksId, meta: { productName, appKey, webhookConfigId } };
  },
  // Retries are not documented. Answering failures with 5xx lets a resend (if NHN makes
  // one) be dispatched again; dedupe on hooksId makes that safe.
  resends: true,
  dedupeByDefault: true,
  // The sender's timeout is not documented either: answer well within common 5 s limits.
  dispatchTimeoutMs: 4000,
};

/**
 * Options of {@link createKakaoBizmessageReceiver}. `secret` is the webhook signature set in
 * the NHN Cloud console; the console makes it optional, so a webhook without one needs
 * `allowUnauthenticated: true` (and should then be protected some other way).
 */
export type KakaoBizmessageReceiverOptions = HeaderSecretOptions;
/** Each KakaoTalk Bizmessage event by name; `id` is the delivery's `hooksId`, always sent. */
export type KakaoBizmessageEvents = EventMap<"kakao-bizmessage", KakaoBizmessageEventSchemas, KakaoBizmessageMeta, string>;
