import { WebhookError } from "../../errors.js";

/** How deep and how many objects and arrays a parsed body may hold. */
export interface StructureLimits {
  /** Deepest nesting of objects and arrays (the body's own object is level 1). */
  maxDepth: number;
  /** Most objects and arrays one body may create, across the whole body. */
  maxContainers: number;
}

/**
 * The default `maxDepth`. The deepest real delivery of any provider here nests 7 levels
 * (a Misskey renote or reply, an NHN Cloud template status hook, in the real-sender fixtures);
 * 64 leaves nine times that, stays far below where `JSON.stringify` and other recursive
 * code overflow the stack (a few thousand levels), and below Ruby's JSON default (100).
 */
export const DEFAULT_MAX_DEPTH = 64;

/** Fewest containers a body may always hold, whatever its size. */
const MIN_CONTAINERS = 10_000;

/**
 * The container budget of a body of `bytes` bytes: one object or array per 32 bytes of
 * it (at least 10,000). An object costs the heap ~60 bytes (more with what validation
 * makes of it) while `{}` takes 3 bytes of JSON, so without a budget a body could cost
 * 20–50× its size; with it, its objects and arrays cost a few times its size (32,768 for
 * 1 MiB). Real payloads hold one per 100–300 bytes.
 */
export function containerBudget(bytes: number): number {
  return Math.max(MIN_CONTAINERS, Math.floor(bytes / 32));
}

export const DEFAULT_STRUCTURE_LIMITS: StructureLimits = {
  maxDepth: DEFAULT_MAX_DEPTH,
  maxContainers: MIN_CONTAINERS,
};

export function tooDeep(maxDepth: number): WebhookError {
  return new WebhookError("body_too_deep", `The body nests deeper than ${maxDepth} levels.`);
}

export function tooManyContainers(maxContainers: number): WebhookError {
  return new WebhookError("body_too_large", `The body builds more than its size allows (${maxContainers} objects and arrays).`);
}

/**
 * Throws `body_too_deep` when a value (a body another middleware parsed) nests deeper
 * than `maxDepth`. Iterative: the value may be far deeper than any recursion could follow.
 */
export function assertDepth(value: unknown, maxDepth: number): void {
  const pending: unknown[] = [value];
  const depths: number[] = [1];
  // A caller's object may hold cycles (which no store could serialize anyway): each is walked once.
  const seen = new Set<object>();
  while (pending.length > 0) {
    const item = pending.pop();
    const depth = depths.pop() ?? 1;
    if (typeof item !== "object" || item === null || seen.has(item) || Buffer.isBuffer(item)) continue;
    if (depth > maxDepth) throw tooDeep(maxDepth);
    seen.add(item);
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === "object" && child !== null) {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
}
