import { deepMerge } from "./encode.js";

/**
 * A deep partial of a payload as the provider sends it: any subset of its fields, at any
 * depth. Nested objects merge into the sample, arrays replace it whole, and a field set
 * to `undefined` is removed. A field the payload type does not have is a compile error.
 */
export type Overrides<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: Overrides<T[K]> } : T;

/** How a sample builder changes its payload: checked `overrides`, then unchecked `rawOverrides`. */
export interface OverrideOptions<P> {
  /**
   * Merged into the sample payload (nested objects merge, arrays replace, `undefined`
   * removes a field). Typed as a deep partial of the payload, so a misspelt field does
   * not compile.
   */
  overrides?: Overrides<P>;
  /**
   * Merged after `overrides`, the same way, and not type-checked: for what the schema
   * does not describe, such as a field the provider added, or a value it refuses (to
   * test the refusal).
   */
  rawOverrides?: Readonly<Record<string, unknown>>;
}

/** The sample with `overrides`, then `rawOverrides`, merged in. */
export function applyOverrides<P>(payload: P, options: OverrideOptions<unknown>): P {
  return deepMerge(deepMerge(payload, options.overrides), options.rawOverrides);
}
