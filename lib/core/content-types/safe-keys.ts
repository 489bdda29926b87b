/** Keys that could reach an object's prototype when copied or merged later. */
export function isUnsafeKey(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

/**
 * Deletes `__proto__`, `constructor` and `prototype` keys in place, at any depth.
 * JSON.parse makes them own properties (harmless by themselves), but a user's
 * `Object.assign` or deep merge of the payload would then pollute prototypes.
 */
export function stripUnsafeKeys(value: unknown, depth = 0): void {
  if (typeof value !== "object" || value === null || depth > 256) return;
  if (Array.isArray(value)) {
    for (const item of value) stripUnsafeKeys(item, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (isUnsafeKey(key)) delete (value as Record<string, unknown>)[key];
    else stripUnsafeKeys((value as Record<string, unknown>)[key], depth + 1);
  }
}
