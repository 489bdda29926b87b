import { UNSAFE_KEYS } from "./arbitraries.js";

const UNSAFE: ReadonlySet<string> = new Set(UNSAFE_KEYS);

/** The values of an object's (or array's) own enumerable keys. */
export function valuesOf(value: object): unknown[] {
  return Object.values(value as Record<string, unknown>);
}

/**
 * The path to the first own `__proto__`/`constructor`/`prototype` key at any depth, or
 * undefined. Iterative, so it also checks trees deeper than the call stack.
 */
export function unsafeKeyPath(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, "$"]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value !== "object" || value === null || seen.has(value) || Buffer.isBuffer(value)) continue;
    seen.add(value);
    for (const key of Object.keys(value)) {
      if (UNSAFE.has(key)) return `${path}.${key}`;
      stack.push([(value as Record<string, unknown>)[key], `${path}.${key}`]);
    }
  }
  return undefined;
}

/** How many containers deep a value nests (0 for a primitive). Iterative. */
export function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const item of valuesOf(value)) stack.push([item, depth + 1]);
  }
  return deepest;
}

/** Whether every object and array in the tree has the ordinary prototype. */
export function hasOrdinaryPrototypes(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) continue;
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== Array.prototype) return false;
    for (const item of valuesOf(value)) stack.push(item);
  }
  return true;
}
