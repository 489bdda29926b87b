/** Keys that could reach an object's prototype when copied or merged later. */
export function isUnsafeKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

/**
 * Deletes `__proto__`, `constructor` and `prototype` keys in place, at any depth.
 * JSON.parse makes them own properties (harmless by themselves), but a user's
 * `Object.assign` or deep merge of the payload would then pollute prototypes.
 * Iterative, with no depth limit: JSON.parse nests far deeper than any recursion could
 * follow, and a key left below a depth limit would still reach the user.
 */
export function stripUnsafeKeys(value: unknown): void {
  const pending: unknown[] = [value];
  // A caller's pre-parsed object may hold cycles: each object is walked once.
  const seen = new Set<object>();
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== "object" || item === null || seen.has(item)) continue;
    seen.add(item);
    if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
      continue;
    }
    for (const key of Object.keys(item)) {
      if (isUnsafeKey(key)) Reflect.deleteProperty(item, key);
      else pending.push((item as Record<string, unknown>)[key]);
    }
  }
}
