import type { InboxStore, PurgeFilter } from "./types.js";

/**
 * Deletes done and failed records (or only those of `status`), optionally only one
 * provider's or those last changed before `before` (epoch ms). Without a `status` it
 * never touches pending records: they are deliveries not yet handled. Returns how many.
 *
 * @example
 * await purgeInbox(inbox, { status: "failed", before: Date.parse("2025-01-01") });
 */
export async function purgeInbox(store: InboxStore, filter: PurgeFilter = {}): Promise<number> {
  if (filter.status !== undefined) return store.purge(filter);
  const [done, failed] = [await store.purge({ ...filter, status: "done" }), await store.purge({ ...filter, status: "failed" })];
  return done + failed;
}
