import { resolveHeaderSecretOptions } from "../core/options.js";
import {
  KAKAO_SIGNATURE_HEADER,
  type KakaoBizmessageMeta,
  kakaoBizmessageProtocol,
  type KakaoBizmessageReceiverOptions,
} from "../providers/kakao-bizmessage/protocol.js";
import type { KakaoBizmessageEventSchemas } from "../providers/kakao-bizmessage/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type KakaoBizmessageReceiver = ExpressWebhookReceiver<"kakao-bizmessage", KakaoBizmessageEventSchemas, KakaoBizmessageMeta, string>;

/**
 * Receives NHN Cloud KakaoTalk Bizmessage webhooks, checking `X-Toast-Webhook-Signature`.
 * Events are named by the envelope's `event`; `MESSAGE_RESULT_UPDATE` is typed, and every
 * other name (template status updates, whose name NHN does not document, and the SMS and
 * Email siblings' events) reaches `onAny`. This is the Kakao-only view: SMS also sends
 * `MESSAGE_RESULT_UPDATE`, with hooks of another shape that would fail validation here, so
 * to take several NHN products on one URL use `createNhnCloudReceiver` instead.
 *
 * @example
 * const kakao = createKakaoBizmessageReceiver({ secret: process.env.NHN_WEBHOOK_SIGNATURE! });
 * kakao.on("MESSAGE_RESULT_UPDATE", (e) => {
 *   for (const hook of e.payload.hooks) console.log(hook.requestId, hook.recipientSeq, hook.resultCode);
 * });
 * kakao.onAny((e) => { if (isKakaoTemplateUpdate(e)) console.log(e.payload.hooks[0]?.status); });
 * app.use("/hooks/kakao", kakao.router);
 */
export function createKakaoBizmessageReceiver(options: KakaoBizmessageReceiverOptions): KakaoBizmessageReceiver {
  const resolved = resolveHeaderSecretOptions(options, KAKAO_SIGNATURE_HEADER, kakaoBizmessageProtocol, "createKakaoBizmessageReceiver");
  return createReceiver(kakaoBizmessageProtocol, resolved);
}
