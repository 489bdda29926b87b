import fc from "fast-check";
import { getHeader } from "../../lib/core/request/headers.js";
import type { HeaderMap } from "../../lib/core/types.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";

const NAMES = ["content-type", "content-length", "x-misskey-hook-secret", "authorization", "x-webhook-token"] as const;

const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.nat() },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Header entries as a caller of `receive()` may pass them: names in any ASCII case, the same name twice in different cases. */
const headerEntries = fc.array(fc.tuple(fc.oneof(fc.mixedCase(fc.constantFrom(...NAMES)), fc.string({ maxLength: 8 })), headerValue), {
  maxLength: 10,
});

/** What the documented lookup gives: the lower-case key if set, else the first key equal ignoring case; arrays joined as Node joins repeats. */
function expected(entries: readonly (readonly [string, unknown])[], name: string): string | undefined {
  const map = new Map<string, unknown>();
  for (const [key, value] of entries) map.set(key, value);
  let value = map.get(name);
  if (value === undefined) {
    for (const key of map.keys()) {
      if (key.toLowerCase() === name) {
        value = map.get(key);
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "number" ? String(value) : typeof value === "string" ? value : "not a header value";
}

describe("header lookup (fuzzed)", () => {
  test(
    "any header map (duplicates as arrays, any case, numbers): the documented value of every name",
    () =>
      check(
        fc.property(headerEntries, (entries) => {
          // Object.fromEntries defines "__proto__" as a key like any other, as Node's header objects do.
          const headers: HeaderMap = Object.fromEntries(entries);
          // Integer-like names (e.g. "1") are enumerated first whatever their order: keep the oracle honest.
          fc.pre(entries.every(([key]) => !/^\d+$/.test(key)));
          for (const name of NAMES) expect(getHeader(headers, name)).toBe(expected(entries, name));
        }),
        1500,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
