import type { NewInboxRecord } from "../../lib/inbox/types.js";

const T0 = Date.now();
let sequence = 0;

/** A new delivery, received a little later than the last; keys are unique per call so stores may be shared between tests. */
export function newRecord(overrides: Partial<NewInboxRecord> = {}): NewInboxRecord {
  sequence++;
  return {
    key: `misskey:${sequence}-${Math.random().toString(36).slice(2)}`,
    provider: "misskey",
    name: "note",
    deliveryId: `delivery-${sequence}`,
    known: true,
    payload: { body: { note: { text: `héllo ${sequence}` } }, list: [1, null, true] },
    meta: { hookId: "hook-1" },
    receivedAt: T0 + sequence,
    ...overrides,
  };
}
