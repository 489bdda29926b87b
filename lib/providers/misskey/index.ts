export { createMisskeyReceiver, misskeyProtocol, MISSKEY_SECRET_HEADER } from "./receiver.js";
export type { MisskeyEvents, MisskeyMeta, MisskeyReceiver, MisskeyReceiverOptions } from "./receiver.js";
export * from "./schema.js";
