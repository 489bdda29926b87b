import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";

// Pokepay documents only `{ "task": <name> }`, plus `operation_id` and `status` for a
// force-terminated user-stats task: loose objects, so any other field passes through.

/** What every delivery has: the worker task that finished. */
export const pokepayEnvelopeSchema = looseObject({
  task: z.string().min(1),
  operation_id: z.string().nullish(),
});

const taskFinished = <N extends string>(task: N) =>
  looseObject({
    task: z.literal(task),
    /** Set when a user-stats operation was force-terminated. */
    operation_id: z.guid().nullish(),
    /** `"terminated"` for a force-terminated operation; other values are passed on. */
    status: z.enum(["terminated"]).or(z.string()).nullish(),
  });

/** Every worker task Pokepay can notify about, by `task`, with the schema of the body. */
export const pokepayEventSchemas = {
  /** Bulk shop creation finished. */
  bulk_shops: taskFinished("bulk_shops"),
  /** A user-stats operation finished (or was terminated: `status: "terminated"`). */
  process_user_stats_operation: taskFinished("process_user_stats_operation"),
} as const;

export type PokepayEventSchemas = typeof pokepayEventSchemas;
export type PokepayEventName = keyof PokepayEventSchemas;
/** Payload type of each Pokepay event, by name. */
export type PokepayPayloads = { [K in PokepayEventName]: z.output<PokepayEventSchemas[K]> };
