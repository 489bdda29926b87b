export { createNhnCloudReceiver } from "../../receivers/nhn-cloud.js";
export type { NhnCloudReceiver } from "../../receivers/nhn-cloud.js";
export { nhnCloudProtocol, NHN_CLOUD_SIGNATURE_HEADER } from "./protocol.js";
export type { NhnCloudEvents, NhnCloudMeta, NhnCloudReceiverOptions } from "./protocol.js";
export * from "./schema.js";
export { isKakaoTemplateUpdate } from "../kakao-bizmessage/schema.js";
