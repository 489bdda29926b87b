import { randomUUID } from "node:crypto";
import type { PokepayEventName, PokepayPayloads } from "../../providers/pokepay/schema.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { deepMerge } from "../encode.js";

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

export interface PokepayDeliveryOptions<K extends PokepayEventName> {
  /** A token to send as `Authorization: Bearer <token>`; omit for none. */
  token?: string;
  /** Merged into the sample payload (nested objects merge, arrays replace). */
  overrides?: Partial<PokepayPayloads[K]> | Record<string, unknown>;
}

/** A Pokepay delivery: `POST` with a JSON body. */
export function pokepayDelivery<K extends PokepayEventName>(
  event: K,
  options: PokepayDeliveryOptions<K> = {},
): Delivery<PokepayPayloads[K]> {
  const payload = deepMerge(pokepayPayload(event), options.overrides);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  return makeDelivery(payload, "application/json", headers);
}
