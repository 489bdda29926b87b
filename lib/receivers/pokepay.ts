import { resolveGenericAuthOptions } from "../core/options.js";
import { type PokepayMeta, pokepayProtocol, type PokepayReceiverOptions } from "../providers/pokepay/protocol.js";
import type { PokepayEventSchemas } from "../providers/pokepay/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type PokepayReceiver = ExpressWebhookReceiver<"pokepay", PokepayEventSchemas, PokepayMeta>;

/**
 * Receives Pokepay worker-task webhooks (`{ "task": "bulk_shops" }` and the like), one
 * event per finished task, named by `task`.
 *
 * @example
 * const pokepay = createPokepayReceiver({ auth: { token: process.env.POKEPAY_WEBHOOK_TOKEN! } });
 * pokepay.on("process_user_stats_operation", (e) => {
 *   if (e.payload.status === "terminated") console.warn("terminated", e.payload.operation_id);
 * });
 * app.use("/hooks/pokepay", pokepay.router);
 */
export function createPokepayReceiver(options: PokepayReceiverOptions): PokepayReceiver {
  const resolved = resolveGenericAuthOptions(options, pokepayProtocol, "createPokepayReceiver");
  return createReceiver(pokepayProtocol, resolved);
}
