import type { InboxOptions } from "../../lib/core/options.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import type { InboxStore } from "../../lib/inbox/types.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { PROVIDERS, type AnyReceiver } from "../fixtures/providers.js";

export type { AnyReceiver } from "../fixtures/providers.js";

export const SECRET = "fault-secret-3f9a";

/** The options the fault tests vary; every factory takes them. */
export interface FaultOptions {
  dispatchTimeoutMs?: number;
  ack?: "after-dispatch" | "immediate";
  dedupe?: false | DedupeStore;
  inbox?: InboxStore | InboxOptions;
  logger?: false;
}

/** One provider: how to build its receiver and a genuine delivery, and what README says it answers. */
export interface ProviderCase {
  name: string;
  path: string;
  resends: boolean;
  create(options: FaultOptions): AnyReceiver;
  /** A genuine delivery; `overrides` are merged into its payload. */
  delivery(overrides?: Record<string, unknown>): Delivery;
}

/** The fixtures' provider table, every receiver and delivery with {@link SECRET}. */
export const providerCases: readonly ProviderCase[] = PROVIDERS.map((row) => ({
  name: row.name,
  path: row.path,
  resends: row.resends,
  create: (options) => row.create(SECRET, options),
  delivery: (overrides) => row.delivery(row.event, { credential: SECRET, rawOverrides: overrides }),
}));
