import type { InboxRecord, InboxStore } from "./types.js";

/** One record with its payload, or undefined (what `express-webhook-receivers inbox show <key>` prints). */
export function showInbox(store: InboxStore, key: string): Promise<InboxRecord | undefined> {
  return store.get(key);
}
