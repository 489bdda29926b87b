import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { PokepayEventName, PokepayEventSchemas, PokepayPayloads } from "../../providers/pokepay/schema.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";

const payloads: { [K in PokepayEventName]: () => PokepayPayloads[K] } = {
  // What CreateWebhook documents: the task name alone.
  bulk_shops: () => ({ task: "bulk_shops" }),
  // A force-terminated user-stats operation, the one case that carries an id.
  process_user_stats_operation: () => ({ task: "process_user_stats_operation", operation_id: randomUUID(), status: "terminated" }),
};

export const pokepayEventNames = Object.keys(payloads) as PokepayEventName[];

/** A sample payload of a Pokepay event (a fresh `operation_id` where one is sent). */
export function pokepayPayload<K extends PokepayEventName>(event: K): PokepayPayloads[K] {
  return payloads[event]();
}

export interface PokepayDeliveryOptions<K extends PokepayEventName> extends OverrideOptions<z.input<PokepayEventSchemas[K]>> {
  /** A token to send as `Authorization: Bearer <token>`; omit for none. */
  token?: string;
}

/** A Pokepay delivery: `POST` with a JSON body. */
export function pokepayDelivery<K extends PokepayEventName>(
  event: K,
  options: PokepayDeliveryOptions<K> = {},
): Delivery<PokepayPayloads[K]> {
  const payload = applyOverrides(pokepayPayload(event), options);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  return makeDelivery(payload, "application/json", headers);
}
