export { createKakaoBizmessageReceiver, kakaoBizmessageProtocol, KAKAO_SIGNATURE_HEADER } from "./receiver.js";
export type { KakaoBizmessageEvents, KakaoBizmessageMeta, KakaoBizmessageReceiver, KakaoBizmessageReceiverOptions } from "./receiver.js";
export * from "./schema.js";
