export {
  misskeyDelivery,
  misskeyPayload,
  misskeyEventNames,
  type MisskeyDeliveryOptions,
  type MisskeySampleSoftware,
} from "./samples/misskey.js";
export { encodeBody, makeDelivery, type Delivery } from "./delivery.js";
export type { Overrides, OverrideOptions } from "./overrides.js";
export { toFormFields, encodeUrlencoded, encodeMultipart, type SampleContentType } from "./encode.js";
export {
  kakaoBizmessageDelivery,
  kakaoBizmessagePayload,
  kakaoBizmessageEventNames,
  kakaoTemplateUpdateDelivery,
  kakaoTemplateUpdatePayload,
  type KakaoBizmessageDeliveryOptions,
} from "./samples/kakao-bizmessage.js";
export { nhnCloudDelivery, nhnCloudPayload, nhnCloudEventNames, type NhnCloudDeliveryOptions } from "./samples/nhn-cloud.js";
export { oneInboxDelivery, oneInboxPayload, oneInboxEventNames, type OneInboxDeliveryOptions } from "./samples/oneinbox.js";
export { pokepayDelivery, pokepayPayload, pokepayEventNames, type PokepayDeliveryOptions } from "./samples/pokepay.js";
export {
  okskyDelivery,
  okskyPayload,
  okskyEventNames,
  okskyJsonApiDocument,
  okskySampleLayouts,
  type OkskyDeliveryOptions,
  type OkskySampleLayout,
} from "./samples/oksky.js";
