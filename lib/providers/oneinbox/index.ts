export { createOneInboxReceiver } from "../../receivers/oneinbox.js";
export type { OneInboxReceiver } from "../../receivers/oneinbox.js";
export { oneInboxDeliveryId, oneInboxProtocol } from "./protocol.js";
export type { OneInboxEvents, OneInboxMeta, OneInboxReceiverOptions } from "./protocol.js";
export * from "./schema.js";
