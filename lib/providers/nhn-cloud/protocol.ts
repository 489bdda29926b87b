import type { HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import { KAKAO_SIGNATURE_HEADER } from "../kakao-bizmessage/protocol.js";
import { nhnCloudEnvelopeSchema, nhnCloudEventSchemas, nhnCloudProduct, type NhnCloudEventSchemas } from "./schema.js";

/** Which NHN Cloud product, event and webhook setting a delivery came from (from its envelope). */
export interface NhnCloudMeta {
  /**
   * The product, spelled as in event names ("KakaoTalk Bizmessage", "SMS", "Email"), or
   * `productName` as sent for a product the package does not know.
   */
  product: string;
  /** `productName` exactly as sent (the SMS docs show both "SMS" and "Sms"). */
  productName: string;
  /** The envelope's `event`, without the product. */
  event: string;
  /** The app key of the project the event happened in. */
  appKey: string;
  /** The webhook setting's id. */
  webhookConfigId: string;
}

/** The header every NHN Cloud product puts the console's signature in (a static string). */
export const NHN_CLOUD_SIGNATURE_HEADER = KAKAO_SIGNATURE_HEADER;

export const nhnCloudProtocol: ProviderProtocol<"nhn-cloud", NhnCloudEventSchemas, NhnCloudMeta, string> = {
  provider: "nhn-cloud",
  events: nhnCloudEventSchemas,
  formats: ["json"],
  // Sent as "application/json;charset=UTF-8"; a missing type is read as JSON too.
  jsonAliases: [""],
  identify(payload) {
    const { event, hooksId, productName, appKey, webhookConfigId } = parseEnvelope(nhnCloudEnvelopeSchema, payload, "nhn-cloud");
    const product = nhnCloudProduct(productName);
    // A product or event without a schema gets a name no schema has: it reaches onAny.
    return { name: `${product}/${event}`, id: hooksId, meta: { product, productName, event, appKey, webhookConfigId } };
  },
  // As for KakaoTalk Bizmessage: retries and timeout are not documented for any NHN
  // product, so failures are answered 5xx (a resend, if made, is deduped on hooksId)
  // and listeners get well under common 5 s limits.
  resends: true,
  dedupeByDefault: true,
  dispatchTimeoutMs: 4000,
};

/**
 * Options of {@link createNhnCloudReceiver}. `secret` is the webhook signature set in the
 * NHN Cloud console (one per webhook setting: give every product pointed at this URL the
 * same one); the console makes it optional, so settings without one need
 * `allowUnauthenticated: true` (and should then be protected some other way).
 */
export type NhnCloudReceiverOptions = HeaderSecretOptions;
/** Each NHN Cloud event by `"<product>/<event>"` name; `id` is the delivery's `hooksId`, always sent. */
export type NhnCloudEvents = EventMap<"nhn-cloud", NhnCloudEventSchemas, NhnCloudMeta, string>;
