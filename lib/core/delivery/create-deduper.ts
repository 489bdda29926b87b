import type { Deduper, DeduperTiming } from "./deduper.js";
import type { WebhookError } from "../errors.js";
import { MemoryDeduper } from "./memory-deduper.js";
import { StoreDeduper } from "./store-deduper.js";
import { MemoryStore } from "../../stores/memory.js";
import type { DedupeStore } from "../../stores/types.js";

/**
 * The deduper for a store, chosen once when the receiver is built: the synchronous
 * {@link MemoryDeduper} over a MemoryStore of that very class (a subclass may have
 * overridden the async methods, so it goes through them), {@link StoreDeduper} otherwise.
 */
export function createDeduper(
  store: DedupeStore,
  provider: string,
  ttlMs: number,
  onStoreError: (error: WebhookError) => void,
  timing: DeduperTiming = {},
): Deduper {
  const prefix = `ewr:dedupe:${provider}:`;
  return store instanceof MemoryStore && store.constructor === MemoryStore
    ? new MemoryDeduper(store, provider, prefix, ttlMs, onStoreError)
    : new StoreDeduper(store, provider, prefix, ttlMs, onStoreError, timing);
}
