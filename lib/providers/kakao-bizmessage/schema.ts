import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";

// Loose objects throughout: NHN Cloud adds fields to hooks over time (senderGroupingKey
// in 2023, isAddedChannel with brand messages), and a new one must never turn a genuine
// delivery into a refusal. We validate what listeners are likely to read.

/** An integer NHN documents as Integer but a JSON serialiser may send as "12". */
const integerLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

/** The `kakaoMessageType` values documented today; others are accepted as strings. */
export const KAKAO_MESSAGE_TYPES = [
  "ALIMTALK_NORMAL",
  "ALIMTALK_AUTH",
  "ALIMTALK_MASS",
  "FRIENDTALK_NORMAL",
  "FRIENDTALK_MASS",
  "BRAND_MESSAGE_NORMAL",
  "BRAND_MESSAGE_MASS",
] as const;

/** The envelope every NHN Cloud webhook shares (KakaoTalk Bizmessage, SMS, Email). */
export const kakaoEnvelopeSchema = looseObject({
  /** Unique per POST: the delivery id. */
  hooksId: z.string().min(1),
  webhookConfigId: z.string(),
  productName: z.string(),
  appKey: z.string(),
  event: z.string().min(1),
  hooks: z.array(looseObject({})),
});

/** One message whose result code changed (`MESSAGE_RESULT_UPDATE`). */
export const kakaoMessageResultHookSchema = looseObject({
  hookId: z.string(),
  kakaoMessageType: z.enum(KAKAO_MESSAGE_TYPES).or(z.string()),
  requestId: z.string(),
  recipientSeq: integerLike,
  requestDate: z.string().nullish(),
  createDate: z.string().nullish(),
  receiveDate: z.string().nullish(),
  recipientNo: z.string(),
  resultCode: z.string(),
  senderGroupingKey: z.string().nullish(),
  recipientGroupingKey: z.string().nullish(),
  /** Whether the recipient has added the channel: brand messages only, null otherwise. */
  isAddedChannel: z.boolean().nullish(),
  /** The message lookup API link. */
  _links: looseObject({ self: looseObject({ href: z.string() }) }).optional(),
});

/** `comments[].status`: inquiry, approved, rejected, reply, under review. */
export const KAKAO_COMMENT_STATUSES = ["INQ", "APR", "REJ", "REP", "REQ"] as const;
/** `status`: requested, under review, approved, rejected. */
export const KAKAO_TEMPLATE_STATUSES = ["TSC01", "TSC02", "TSC03", "TSC04"] as const;

// No transforms below: isKakaoTemplateUpdate() narrows the payload as it is, so the
// schema's input and output types must be the same.

/** One template whose review status or inquiry thread changed. */
export const kakaoTemplateHookSchema = looseObject({
  hookId: z.string(),
  senderKey: z.string(),
  templateCode: z.string(),
  kakaoTemplateCode: z.string().nullish(),
  status: z.enum(KAKAO_TEMPLATE_STATUSES).or(z.string()),
  comments: z
    .array(
      looseObject({
        // Integer in the Korean docs, String in the Japanese ones.
        id: z.union([z.number(), z.string()]),
        content: z.string().nullish(),
        userName: z.string().nullish(),
        /** "yyyy-MM-dd HH:mm:ss" */
        createdAt: z.string().nullish(),
        attachment: z.array(looseObject({ originalFileName: z.string(), filePath: z.string() })).nullish(),
        status: z.enum(KAKAO_COMMENT_STATUSES).or(z.string()),
      }),
    )
    .nullish(),
  /** "yyyy-MM-dd HH:mm:ss" */
  updateDate: z.string().nullish(),
});

/**
 * A template status / inquiry update delivery. NHN does not document its `event`
 * string, so it reaches `onAny` under whatever name is sent; recognise it by shape
 * with {@link isKakaoTemplateUpdate}.
 */
export const kakaoTemplateUpdateSchema = kakaoEnvelopeSchema.extend({
  hooks: z.array(kakaoTemplateHookSchema).min(1),
});

/** Every event with a documented name, with the schema of the whole delivery. */
export const kakaoBizmessageEventSchemas = {
  MESSAGE_RESULT_UPDATE: kakaoEnvelopeSchema.extend({ hooks: z.array(kakaoMessageResultHookSchema) }),
} as const;

export type KakaoBizmessageEventSchemas = typeof kakaoBizmessageEventSchemas;
export type KakaoBizmessageEventName = keyof KakaoBizmessageEventSchemas;
/** Payload type of each KakaoTalk Bizmessage event, by name. */
export type KakaoBizmessagePayloads = { [K in KakaoBizmessageEventName]: z.output<KakaoBizmessageEventSchemas[K]> };
export type KakaoEnvelope = z.output<typeof kakaoEnvelopeSchema>;
export type KakaoMessageResultHook = z.output<typeof kakaoMessageResultHookSchema>;
export type KakaoTemplateHook = z.output<typeof kakaoTemplateHookSchema>;
export type KakaoTemplateUpdatePayload = z.output<typeof kakaoTemplateUpdateSchema>;

/**
 * Whether an event (typically one an `onAny` listener got under an undocumented name)
 * is a template status / inquiry update, narrowing its payload.
 *
 * @example
 * kakao.onAny((e) => {
 *   if (isKakaoTemplateUpdate(e)) for (const hook of e.payload.hooks) console.log(hook.templateCode, hook.status);
 * });
 */
export function isKakaoTemplateUpdate<E extends { readonly payload: unknown }>(
  event: E,
): event is E & { readonly payload: KakaoTemplateUpdatePayload } {
  return kakaoTemplateUpdateSchema.safeParse(event.payload).success;
}
