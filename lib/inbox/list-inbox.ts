import type { InboxFilter, InboxRecord, InboxStore } from "./types.js";

/**
 * The records in an inbox, newest first (what `express-webhook-receivers inbox list` prints).
 *
 * @example
 * const failed = await listInbox(inbox, { status: "failed", provider: "oksky" });
 */
export function listInbox(store: InboxStore, filter: InboxFilter = {}): Promise<InboxRecord[]> {
  return store.list(filter);
}
