export { createOneInboxReceiver, oneInboxDeliveryId, oneInboxProtocol } from "./receiver.js";
export type { OneInboxEvents, OneInboxMeta, OneInboxReceiver, OneInboxReceiverOptions } from "./receiver.js";
export * from "./schema.js";
