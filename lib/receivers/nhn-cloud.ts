import { resolveHeaderSecretOptions } from "../core/options.js";
import {
  NHN_CLOUD_SIGNATURE_HEADER,
  type NhnCloudMeta,
  nhnCloudProtocol,
  type NhnCloudReceiverOptions,
} from "../providers/nhn-cloud/protocol.js";
import type { NhnCloudEventSchemas } from "../providers/nhn-cloud/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type NhnCloudReceiver = ExpressWebhookReceiver<"nhn-cloud", NhnCloudEventSchemas, NhnCloudMeta, string>;

/**
 * Receives the webhooks of NHN Cloud's notification products — KakaoTalk Bizmessage, SMS
 * and Email — on one URL, checking `X-Toast-Webhook-Signature`. They share one envelope, so
 * events are named `"<product>/<event>"` from its `productName` and `event`
 * (`"SMS/MESSAGE_RESULT_UPDATE"`, `"KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE"`,
 * `"Email/UNSUBSCRIBE"`…), each typed with its own hooks. Another product or event (e.g.
 * Kakao's template status update, whose name NHN does not document) reaches `onAny`,
 * acknowledged. Deliveries are deduplicated by `hooksId` across products.
 *
 * @example
 * const nhn = createNhnCloudReceiver({ secret: process.env.NHN_WEBHOOK_SIGNATURE! });
 * nhn.on("SMS/MESSAGE_RESULT_UPDATE", (e) => {
 *   for (const hook of e.payload.hooks) console.log(hook.requestId, hook.messageStatus);
 * });
 * nhn.on("Email/UNSUBSCRIBE", (e) => { for (const hook of e.payload.hooks) optOut(hook.receiveMailAddr); });
 * nhn.onAny((e) => { if (isKakaoTemplateUpdate(e)) console.log(e.payload.hooks[0]?.status); });
 * app.use("/hooks/nhn", nhn.router);
 */
export function createNhnCloudReceiver(options: NhnCloudReceiverOptions): NhnCloudReceiver {
  const resolved = resolveHeaderSecretOptions(options, NHN_CLOUD_SIGNATURE_HEADER, nhnCloudProtocol, "createNhnCloudReceiver");
  return createReceiver(nhnCloudProtocol, resolved);
}
