import { z } from "zod";

/**
 * `z.looseObject(shape)` at runtime, typed as `z.object(shape)`. Parsing keeps every key
 * the shape does not name (a field a provider adds tomorrow must never refuse a
 * delivery), while the inferred type has no `[k: string]: unknown` index signature, so a
 * misspelt field is a compile error rather than an `unknown`. The fields kept at runtime
 * are reached through `loose()`. `.extend()` keeps the runtime looseness (zod copies
 * the definition, catchall included).
 *
 * An empty shape is typed `object` (zod would say `Record<string, never>`, which no
 * sent field fits): any object, none of whose fields is known.
 */
export function looseObject(shape: Record<string, never>): z.ZodType<object, object>;
export function looseObject<T extends z.core.$ZodLooseShape>(shape: T): ReturnType<typeof z.object<T>>;
export function looseObject(shape: z.core.$ZodLooseShape): z.ZodType {
  return z.looseObject(shape);
}
