export { createMisskeyReceiver } from "../../receivers/misskey.js";
export type { MisskeyReceiver } from "../../receivers/misskey.js";
export { misskeyProtocol, MISSKEY_SECRET_HEADER, MISSKEY_FAMILY_SECRET_HEADERS } from "./protocol.js";
export type { MisskeyEvents, MisskeyMeta, MisskeyReceiverOptions, MisskeySoftware } from "./protocol.js";
export * from "./schema.js";
