export { createPokepayReceiver } from "../../receivers/pokepay.js";
export type { PokepayReceiver } from "../../receivers/pokepay.js";
export { pokepayProtocol } from "./protocol.js";
export type { PokepayEvents, PokepayMeta, PokepayReceiverOptions } from "./protocol.js";
export * from "./schema.js";
