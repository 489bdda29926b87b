import type { z } from "zod";
import type { NhnCloudEventName, NhnCloudEventSchemas, NhnCloudPayloads } from "../../providers/nhn-cloud/schema.js";
import { NHN_CLOUD_SIGNATURE_HEADER } from "../../providers/nhn-cloud/protocol.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";
import { kakaoBizmessagePayload, nhnId } from "./kakao-bizmessage.js";

// Field names, value formats and example values follow each product's webhook guide
// (lib/providers/nhn-cloud/PROVIDERS.md); ids are fresh on every call.

const hooks: { [K in NhnCloudEventName]: () => NhnCloudPayloads[K]["hooks"] } = {
  "KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE": () => kakaoBizmessagePayload("MESSAGE_RESULT_UPDATE").hooks,
  "SMS/UNSUBSCRIBE": () => [
    {
      hookId: nhnId(),
      recipientNo: "01012341234",
      unsubscribeNo: "08012341234",
      enterpriseName: "NHN Cloud",
      createdDateTime: "2026-06-01T10:00:00.000+09:00",
    },
  ],
  "SMS/MESSAGE_RESULT_UPDATE": () => {
    const requestId = nhnId();
    return [
      {
        hookId: nhnId(),
        senderType: "NORMAL_SMS",
        requestId,
        recipientSeq: 1,
        requestDate: "2026-06-01T10:00:00",
        receiveDate: "2026-06-01T10:00:02",
        sendNo: "15446859",
        recipientNo: "01012341234",
        messageStatus: "COMPLETED",
        recipientGroupingKey: "customer-42",
        senderGroupingKey: "order-notice",
        resultCode: "1000",
        messageCount: 1,
        _links: {
          self: { href: `https://sms.api.nhncloudservice.com/sms/v3.0/appKeys/sampleAppKey/sender/sms/${requestId}?recipientSeq=1` },
        },
      },
    ];
  },
  "SMS/CONVERSION_BLOCK": () => [{ hookId: nhnId(), countryCode: "1", blockedDateTime: "2026-06-01T09:00:00.000+09:00" }],
  "SMS/INTERNATIONAL_DELIVERY_RECEIPT": () => [
    {
      hookId: nhnId(),
      requestId: nhnId(),
      recipientSeq: 1,
      dlrStatus: "DELIVERED",
      networkCode: "US-VIRTUAL-BANDWIDTH",
      errorCode: "0",
    },
  ],
  "Email/UNSUBSCRIBE": () => [
    { hookId: nhnId(), receiveMailAddr: "receiver@example.com", createdDateTime: "2026-06-01T10:00:00.000+09:00" },
  ],
  "Email/MESSAGE_RESULT_UPDATE": () => {
    const requestId = nhnId();
    return [
      {
        hookId: nhnId(),
        messageType: "NORMAL_MAIL",
        requestId,
        mailSeq: 0,
        senderAddress: "sender@example.com",
        receiveMailAddr: "receiver@example.com",
        mailStatusCode: "SST2",
        requestDate: "2026-06-01T10:00:00.000+09:00",
        createDate: "2026-06-01T10:00:00.000+09:00",
        resultDate: "2026-06-01T10:00:03.000+09:00",
        dsnCode: "2.5.0",
        dsnMessage: "SUCCESS",
        senderGroupingKey: "order-notice",
        _links: { self: { href: `https://email.api.nhncloudservice.com/email/v2.1/appKeys/sampleAppKey/sender/mail/${requestId}/0` } },
      },
    ];
  },
};

/** Every typed NHN Cloud event name, `"<product>/<event>"`. */
export const nhnCloudEventNames = Object.keys(hooks) as NhnCloudEventName[];

/** A sample payload of an NHN Cloud event, with fresh `hooksId` and `hookId`s. */
export function nhnCloudPayload<K extends NhnCloudEventName>(name: K): NhnCloudPayloads[K] {
  const slash = name.indexOf("/");
  return {
    hooksId: nhnId(),
    webhookConfigId: "sampleWebhookConfigId",
    productName: name.slice(0, slash),
    appKey: "sampleAppKey",
    event: name.slice(slash + 1),
    hooks: hooks[name](),
  } as NhnCloudPayloads[K];
}

/** Options of {@link nhnCloudDelivery}; `P` is the payload as NHN Cloud sends it. */
export interface NhnCloudDeliveryOptions<P> extends OverrideOptions<P> {
  /** The signature to send in `X-Toast-Webhook-Signature`; omit for none. */
  secret?: string;
}

/**
 * An NHN Cloud delivery (KakaoTalk Bizmessage, SMS or Email) as NHN sends it, for the
 * `"<product>/<event>"` given. Another product or event: `rawOverrides: { productName, event }`.
 */
export function nhnCloudDelivery<K extends NhnCloudEventName>(
  name: K,
  options: NhnCloudDeliveryOptions<z.input<NhnCloudEventSchemas[K]>> = {},
): Delivery<NhnCloudPayloads[K]> {
  const merged = applyOverrides(nhnCloudPayload(name), options);
  const headers: Record<string, string> = {};
  if (options.secret !== undefined) headers[NHN_CLOUD_SIGNATURE_HEADER.toLowerCase()] = options.secret;
  return makeDelivery(merged, "application/json", headers, { body: JSON.stringify(merged), contentType: "application/json;charset=UTF-8" });
}
