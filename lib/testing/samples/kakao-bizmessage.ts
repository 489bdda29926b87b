import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type {
  KakaoBizmessageEventName,
  KakaoBizmessageEventSchemas,
  KakaoBizmessagePayloads,
  KakaoMessageResultHook,
  KakaoTemplateHook,
  KakaoTemplateUpdatePayload,
  kakaoTemplateUpdateSchema,
} from "../../providers/kakao-bizmessage/schema.js";
import { KAKAO_SIGNATURE_HEADER } from "../../providers/kakao-bizmessage/protocol.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";

/** An id in NHN's style: a timestamp followed by random characters. */
export function nhnId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  return stamp + randomBytes(6).toString("base64url");
}

const messageResultHook = (): KakaoMessageResultHook => {
  const requestId = nhnId();
  return {
    hookId: nhnId(),
    kakaoMessageType: "ALIMTALK_NORMAL",
    requestId,
    recipientSeq: 1,
    requestDate: "2026-06-01 10:00:00.000",
    createDate: "2026-06-01 10:00:00.000",
    receiveDate: "2026-06-01 10:00:03.000",
    recipientNo: "01012341234",
    resultCode: "1000",
    senderGroupingKey: "order-notice",
    recipientGroupingKey: "customer-42",
    isAddedChannel: null,
    _links: {
      self: { href: `https://api-alimtalk.cloud.toast.com/alimtalk/v2.3/appkeys/sampleAppKey/messages/${requestId}/1` },
    },
  };
};

const templateHook = (): KakaoTemplateHook => ({
  hookId: nhnId(),
  senderKey: "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2",
  templateCode: "ORDER_SHIPPED",
  kakaoTemplateCode: "ORDER_SHIPPED_01",
  status: "TSC03",
  comments: [
    {
      id: 1,
      content: "Approved.",
      userName: "Kakao reviewer",
      createdAt: "2026-06-01 09:00:00",
      attachment: [],
      status: "APR",
    },
  ],
  updateDate: "2026-06-01 09:00:00",
});

const hooks: { [K in KakaoBizmessageEventName]: () => KakaoBizmessagePayloads[K]["hooks"] } = {
  MESSAGE_RESULT_UPDATE: () => [messageResultHook()],
};

export const kakaoBizmessageEventNames = Object.keys(hooks) as KakaoBizmessageEventName[];

const envelope = (event: string) => ({
  hooksId: nhnId(),
  webhookConfigId: "sampleWebhookConfigId",
  productName: "KakaoTalk Bizmessage",
  appKey: "sampleAppKey",
  event,
});

/** A sample payload of a KakaoTalk Bizmessage event, with fresh `hooksId` and `hookId`s. */
export function kakaoBizmessagePayload<K extends KakaoBizmessageEventName>(event: K): KakaoBizmessagePayloads[K] {
  return { ...envelope(event), hooks: hooks[event]() };
}

/**
 * A sample template status / inquiry update. NHN does not document its `event` string,
 * so the caller names it.
 */
export function kakaoTemplateUpdatePayload(event: string): KakaoTemplateUpdatePayload {
  return { ...envelope(event), hooks: [templateHook()] };
}

/** Options of the KakaoTalk Bizmessage builders; `P` is the payload as NHN Cloud sends it. */
export interface KakaoBizmessageDeliveryOptions<P> extends OverrideOptions<P> {
  /** The signature to send in `X-Toast-Webhook-Signature`; omit for none. */
  secret?: string;
}

function deliver<P>(payload: P, options: KakaoBizmessageDeliveryOptions<unknown>): Delivery<P> {
  const merged = applyOverrides(payload, options);
  const headers: Record<string, string> = {};
  if (options.secret !== undefined) headers[KAKAO_SIGNATURE_HEADER.toLowerCase()] = options.secret;
  // NHN Cloud names the charset in the type, as its docs show.
  return makeDelivery(merged, "application/json", headers, { body: JSON.stringify(merged), contentType: "application/json;charset=UTF-8" });
}

/** A KakaoTalk Bizmessage delivery as NHN Cloud sends it. */
export function kakaoBizmessageDelivery<K extends KakaoBizmessageEventName>(
  event: K,
  options: KakaoBizmessageDeliveryOptions<z.input<KakaoBizmessageEventSchemas[K]>> = {},
): Delivery<KakaoBizmessagePayloads[K]> {
  return deliver(kakaoBizmessagePayload(event), options);
}

/** A template status / inquiry update delivery, under the `event` name given. */
export function kakaoTemplateUpdateDelivery(
  event: string,
  options: KakaoBizmessageDeliveryOptions<z.input<typeof kakaoTemplateUpdateSchema>> = {},
): Delivery<KakaoTemplateUpdatePayload> {
  return deliver(kakaoTemplateUpdatePayload(event), options);
}
