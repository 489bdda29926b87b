export { createPokepayReceiver, pokepayProtocol } from "./receiver.js";
export type { PokepayEvents, PokepayMeta, PokepayReceiver, PokepayReceiverOptions } from "./receiver.js";
export * from "./schema.js";
