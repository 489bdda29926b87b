export { createPokepayReceiver } from "../../receivers/pokepay.js";
export type { PokepayReceiver } from "../../receivers/pokepay.js";
export { pokepayProtocol } from "./receiver.js";
export type { PokepayEvents, PokepayMeta, PokepayReceiverOptions } from "./receiver.js";
export * from "./schema.js";
