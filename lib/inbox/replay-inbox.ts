import type { InboxStore } from "./types.js";

/** Which records to replay: these keys, or every failed record (of one provider, if given). */
export type ReplayTarget = { keys: readonly string[] } | { failed: true; provider?: string };

export interface ReplayResult {
  /** Keys made pending and due now. */
  requeued: string[];
  /** Keys asked for that the inbox does not hold. */
  missing: string[];
}

/**
 * Makes records pending and due now; a running receiver's retry worker then dispatches
 * them. Failed records start their attempts afresh. Replaying a record that a worker
 * is dispatching at that moment may dispatch it twice.
 *
 * @example
 * await replayInbox(inbox, { failed: true, provider: "misskey" });
 */
export async function replayInbox(
  store: InboxStore,
  target: ReplayTarget,
  { now = Date.now() }: { now?: number } = {},
): Promise<ReplayResult> {
  let keys: string[];
  let missing: string[] = [];
  if ("keys" in target) {
    const unique = [...new Set(target.keys)];
    const found = await Promise.all(unique.map((key) => store.get(key)));
    keys = unique.filter((_, i) => found[i] !== undefined);
    missing = unique.filter((_, i) => found[i] === undefined);
  } else {
    const failed = await store.list({ status: "failed", provider: target.provider, limit: Number.MAX_SAFE_INTEGER });
    keys = failed.map((record) => record.key);
  }
  await store.requeue(keys, { now });
  return { requeued: keys, missing };
}
