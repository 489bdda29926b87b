import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";
import { kakaoEnvelopeSchema, kakaoMessageResultHookSchema } from "../kakao-bizmessage/schema.js";

// Every NHN Cloud notification product posts the same envelope; the hooks differ by
// product and event. Loose objects throughout, as for KakaoTalk Bizmessage: NHN adds
// fields to hooks over time, and a new one must never turn a delivery into a refusal.
// Sources per shape: ./PROVIDERS.md.

/** The NHN Cloud products whose webhooks are typed, by the name events are filed under. */
export const NHN_CLOUD_PRODUCTS = ["KakaoTalk Bizmessage", "SMS", "Email"] as const;
export type NhnCloudProduct = (typeof NHN_CLOUD_PRODUCTS)[number];

// The docs themselves spell the product two ways ("SMS" in the body sample, "Sms" in the
// cURL one), so a product is recognised case- and punctuation-insensitively.
const PRODUCT_KEYS: Readonly<Record<string, NhnCloudProduct>> = {
  kakaotalkbizmessage: "KakaoTalk Bizmessage",
  sms: "SMS",
  email: "Email",
};

/**
 * The product a delivery's `productName` names, in its canonical spelling, or the
 * `productName` itself when it is not one of {@link NHN_CLOUD_PRODUCTS}.
 */
export function nhnCloudProduct(productName: string): string {
  return PRODUCT_KEYS[productName.toLowerCase().replace(/[^a-z0-9]/g, "")] ?? productName;
}

/** The name an NHN Cloud event is filed under: `"<product>/<event>"`, e.g. `"SMS/MESSAGE_RESULT_UPDATE"`. */
export function nhnCloudEventName(productName: string, event: string): string {
  return `${nhnCloudProduct(productName)}/${event}`;
}

/** An integer NHN documents as Integer but sends as "0" in places (Email's `mailSeq` sample). */
const integerLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

const links = looseObject({ self: looseObject({ href: z.string() }) });

/** SMS `UNSUBSCRIBE`: a number registered with the 080 opt-out service for ad messages. */
export const smsUnsubscribeHookSchema = looseObject({
  hookId: z.string(),
  recipientNo: z.string(),
  unsubscribeNo: z.string().nullish(),
  enterpriseName: z.string().nullish(),
  /** yyyy-MM-dd'T'HH:mm:ss.SSSXXX */
  createdDateTime: z.string().nullish(),
});

/** SMS `messageStatus` values documented today; others are accepted as strings. */
export const SMS_MESSAGE_STATUSES = ["COMPLETED", "FAILED", "CANCEL", "DUPLICATED", "FAILED_AD"] as const;

/**
 * SMS `MESSAGE_RESULT_UPDATE`: one message whose result code changed. The docs' sample
 * spells `_link` and `recipientGropuingKey` where the table says `_links` and
 * `recipientGroupingKey`; both spellings are kept as sent (loose object).
 */
export const smsMessageResultHookSchema = looseObject({
  hookId: z.string(),
  /** e.g. NORMAL_SMS */
  senderType: z.string().nullish(),
  requestId: z.string(),
  recipientSeq: integerLike,
  /** yyyy-MM-dd'T'HH:mm:ss */
  requestDate: z.string().nullish(),
  receiveDate: z.string().nullish(),
  sendNo: z.string().nullish(),
  recipientNo: z.string(),
  messageStatus: z.enum(SMS_MESSAGE_STATUSES).or(z.string()).nullish(),
  recipientGroupingKey: z.string().nullish(),
  senderGroupingKey: z.string().nullish(),
  resultCode: z.string().nullish(),
  messageCount: integerLike.nullish(),
  _links: links.optional(),
});

/** SMS `CONVERSION_BLOCK`: a country blocked for its low conversion rate. */
export const smsConversionBlockHookSchema = looseObject({
  hookId: z.string(),
  countryCode: z.string(),
  /** yyyy-MM-dd'T'HH:mm:ss.SSSXXX */
  blockedDateTime: z.string().nullish(),
});

/** International DLR statuses documented today; others are accepted as strings. */
export const SMS_DLR_STATUSES = ["ACCEPTED", "DELIVERED", "BUFFERED", "EXPIRED", "FAILED", "REJECTED", "UNKNOWN"] as const;

/** SMS `INTERNATIONAL_DELIVERY_RECEIPT`: a delivery receipt (DLR) of an international message. */
export const smsInternationalDeliveryReceiptHookSchema = looseObject({
  hookId: z.string(),
  requestId: z.string(),
  recipientSeq: integerLike,
  dlrStatus: z.enum(SMS_DLR_STATUSES).or(z.string()),
  networkCode: z.string().nullish(),
  errorCode: z.string().nullish(),
});

/** Email `UNSUBSCRIBE`: a recipient who followed an ad mail's opt-out link. */
export const emailUnsubscribeHookSchema = looseObject({
  hookId: z.string(),
  receiveMailAddr: z.string(),
  /** yyyy-MM-dd'T'HH:mm:ss.SSSXXX */
  createdDateTime: z.string().nullish(),
});

/** Email `messageType` values documented today; others are accepted as strings. */
export const EMAIL_MESSAGE_TYPES = [
  "NORMAL_MAIL",
  "NORMAL_MAIL_AD",
  "NORMAL_MAIL_AUTH",
  "MASS_MAIL",
  "MASS_MAIL_AD",
  "MASS_MAIL_AUTH",
] as const;
/** Email `mailStatusCode`: sent, failed, unsubscribed, unverified, not on the allow-list. */
export const EMAIL_STATUS_CODES = ["SST2", "SST3", "SST5", "SST7", "SST8"] as const;

/**
 * Email `MESSAGE_RESULT_UPDATE`: one mail whose status changed. `resultDate`, `dsnCode`
 * and `dsnMessage` come only with SST2 (sent). The docs' sample spells `senderGroupKey`
 * where the table says `senderGroupingKey`; both are kept as sent.
 */
export const emailMessageResultHookSchema = looseObject({
  hookId: z.string(),
  messageType: z.enum(EMAIL_MESSAGE_TYPES).or(z.string()).nullish(),
  requestId: z.string(),
  mailSeq: integerLike,
  senderAddress: z.string().nullish(),
  receiveMailAddr: z.string(),
  mailStatusCode: z.enum(EMAIL_STATUS_CODES).or(z.string()),
  requestDate: z.string().nullish(),
  createDate: z.string().nullish(),
  resultDate: z.string().nullish(),
  dsnCode: z.string().nullish(),
  dsnMessage: z.string().nullish(),
  senderGroupingKey: z.string().nullish(),
  _links: links.optional(),
});

/** The envelope every NHN Cloud notification webhook shares. */
export const nhnCloudEnvelopeSchema = kakaoEnvelopeSchema;

const delivery = <H extends z.ZodType>(hook: H) => nhnCloudEnvelopeSchema.extend({ hooks: z.array(hook) });

/**
 * Every typed NHN Cloud event, named `"<product>/<event>"`, with the schema of the whole
 * delivery. Product and event are both in the name because SMS, Email and KakaoTalk
 * Bizmessage all send `MESSAGE_RESULT_UPDATE`, each with hooks of its own shape.
 */
export const nhnCloudEventSchemas = {
  "KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE": delivery(kakaoMessageResultHookSchema),
  "SMS/UNSUBSCRIBE": delivery(smsUnsubscribeHookSchema),
  "SMS/MESSAGE_RESULT_UPDATE": delivery(smsMessageResultHookSchema),
  "SMS/CONVERSION_BLOCK": delivery(smsConversionBlockHookSchema),
  "SMS/INTERNATIONAL_DELIVERY_RECEIPT": delivery(smsInternationalDeliveryReceiptHookSchema),
  "Email/UNSUBSCRIBE": delivery(emailUnsubscribeHookSchema),
  "Email/MESSAGE_RESULT_UPDATE": delivery(emailMessageResultHookSchema),
} as const;

export type NhnCloudEventSchemas = typeof nhnCloudEventSchemas;
export type NhnCloudEventName = keyof NhnCloudEventSchemas;
/** Payload type of each NHN Cloud event, by `"<product>/<event>"` name. */
export type NhnCloudPayloads = { [K in NhnCloudEventName]: z.output<NhnCloudEventSchemas[K]> };
export type NhnCloudEnvelope = z.output<typeof nhnCloudEnvelopeSchema>;
export type SmsUnsubscribeHook = z.output<typeof smsUnsubscribeHookSchema>;
export type SmsMessageResultHook = z.output<typeof smsMessageResultHookSchema>;
export type SmsConversionBlockHook = z.output<typeof smsConversionBlockHookSchema>;
export type SmsInternationalDeliveryReceiptHook = z.output<typeof smsInternationalDeliveryReceiptHookSchema>;
export type EmailUnsubscribeHook = z.output<typeof emailUnsubscribeHookSchema>;
export type EmailMessageResultHook = z.output<typeof emailMessageResultHookSchema>;
