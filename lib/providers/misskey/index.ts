export { createMisskeyReceiver } from "../../receivers/misskey.js";
export type { MisskeyReceiver } from "../../receivers/misskey.js";
export { misskeyProtocol, MISSKEY_SECRET_HEADER } from "./protocol.js";
export type { MisskeyEvents, MisskeyMeta, MisskeyReceiverOptions } from "./protocol.js";
export * from "./schema.js";
