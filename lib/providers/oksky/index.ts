export { createOkskyReceiver } from "../../receivers/oksky.js";
export type { OkskyReceiver } from "../../receivers/oksky.js";
export { okskyProtocol, OKSKY_SECRET_HEADER } from "./protocol.js";
export type { OkskyEvents, OkskyMeta, OkskyReceiverOptions } from "./protocol.js";
export { normalizeOkskyBody, envelopeFromJsonApi, objectNameOfType } from "./normalize.js";
export type { NormalizedOkskyBody, OkskyJsonApiDocument } from "./normalize.js";
export * from "./schema.js";
