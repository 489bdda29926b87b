export { createKakaoBizmessageReceiver } from "../../receivers/kakao-bizmessage.js";
export type { KakaoBizmessageReceiver } from "../../receivers/kakao-bizmessage.js";
export { kakaoBizmessageProtocol, KAKAO_SIGNATURE_HEADER } from "./protocol.js";
export type { KakaoBizmessageEvents, KakaoBizmessageMeta, KakaoBizmessageReceiverOptions } from "./protocol.js";
export * from "./schema.js";
