import type { DedupeStore } from "./types.js";

/**
 * Deletes `key` if it holds `value`: the store's atomic `deleteIf` where it has one,
 * else a read, a comparison and a delete (correct unless the value changes in between).
 */
export async function compareAndDelete(store: DedupeStore, key: string, value: string): Promise<boolean> {
  if (typeof store.deleteIf === "function") return store.deleteIf(key, value);
  if ((await store.get(key)) !== value) return false;
  await store.delete(key);
  return true;
}
