export { createMisskeyReceiver } from "../../receivers/misskey.js";
export type { MisskeyReceiver } from "../../receivers/misskey.js";
export { misskeyProtocol, MISSKEY_SECRET_HEADER } from "./receiver.js";
export type { MisskeyEvents, MisskeyMeta, MisskeyReceiverOptions } from "./receiver.js";
export * from "./schema.js";
