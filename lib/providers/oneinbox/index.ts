export { createOneInboxReceiver } from "../../receivers/oneinbox.js";
export type { OneInboxReceiver } from "../../receivers/oneinbox.js";
export { oneInboxDeliveryId, oneInboxProtocol } from "./receiver.js";
export type { OneInboxEvents, OneInboxMeta, OneInboxReceiverOptions } from "./receiver.js";
export * from "./schema.js";
