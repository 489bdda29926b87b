import fc from "fast-check";
import { adoptParsedBody } from "../../lib/core/request/content-types/parse-body.js";
import { expandNestedKeys } from "../../lib/core/request/content-types/nested-keys.js";
import { toFormFields } from "../../lib/testing/encode.js";
import { bracketKey, UNSAFE_KEYS, unicodeString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertNoPrototypePollution } from "./invariants.js";
import { hasOrdinaryPrototypes, nestingDepth, unsafeKeyPath } from "./walk.js";

/** A form value: text, or (from multipart) a file-like object. */
const formValue = fc.oneof(
  { weight: 5, arbitrary: unicodeString({ maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc.constant({ filename: "f.bin", mimeType: "application/octet-stream", encoding: "7bit", data: Buffer.from("x") }),
  },
);

/** Key names that round-trip through Rails-style fields: no brackets, not numeric, not empty, not prototype keys. */
const plainName = fc
  .string({ unit: fc.constantFrom("a", "b", "c", "_", "-", "é", "x", "1", " "), minLength: 1, maxLength: 4 })
  .filter((name) => !/^\d+$/.test(name) && !(UNSAFE_KEYS as readonly string[]).includes(name));

type Tree = string | Tree[] | { [key: string]: Tree };

/** Trees `toFormFields` can spell: no empty containers, leaves are strings. */
const { tree } = fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
  tree: fc.dictionary(plainName, tie("node"), { minKeys: 1, maxKeys: 4 }),
  node: fc.oneof(
    { depthSize: "small", maxDepth: 5 },
    unicodeString({ maxLength: 5 }),
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
    fc.dictionary(plainName, tie("node"), { minKeys: 1, maxKeys: 3 }),
  ),
}));

/** Arrays whose items are all arrays lose their grouping in Rails-style fields: `a[0][]`, not `a[][]`. */
function spellable(value: Tree): boolean {
  if (typeof value === "string") return true;
  if (Array.isArray(value)) return value.every((item) => !(Array.isArray(item) && item.some(Array.isArray)) && spellable(item));
  return Object.values(value).every(spellable);
}

describe("nested-key expansion (fuzzed)", () => {
  test(
    "random bracket keys (prototype keys anywhere, junk brackets, indexes near the cap): no throw, no pollution, no prototype keys, depth capped",
    () =>
      check(
        fc.property(fc.array(fc.tuple(bracketKey(40), formValue), { maxLength: 40 }), (fields) => {
          const form = expandNestedKeys(fields);
          expect(unsafeKeyPath(form)).toBeUndefined();
          expect(hasOrdinaryPrototypes(form)).toBe(true);
          expect(nestingDepth(form)).toBeLessThanOrEqual(34);
          assertNoPrototypePollution();
          // Nothing the form holds may reach a fresh object.
          const merged = Object.assign({}, form, JSON.parse(JSON.stringify(form)) as object);
          expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
        }),
        1000,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "any nested object spelled as Rails-style fields expands back to itself",
    () =>
      check(
        fc.property(tree.filter(spellable), (value) => {
          expect(expandNestedKeys(toFormFields(value))).toEqual(value);
        }),
        600,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "flat keys: one value stays a value, repeats collect into an array, prototype keys are dropped",
    () =>
      check(
        fc.property(
          fc.array(
            fc.tuple(
              fc.oneof(plainName, fc.constantFrom(...UNSAFE_KEYS, "toString", "valueOf", "hasOwnProperty")),
              unicodeString({ maxLength: 4 }),
            ),
            { maxLength: 30 },
          ),
          (fields) => {
            const expected = new Map<string, string[]>();
            for (const [key, value] of fields) {
              if ((UNSAFE_KEYS as readonly string[]).includes(key)) continue;
              expected.set(key, [...(expected.get(key) ?? []), value]);
            }
            const form = expandNestedKeys(fields);
            expect(Object.keys(form).sort()).toEqual([...expected.keys()].sort());
            for (const [key, values] of expected) expect(form[key]).toEqual(values.length === 1 ? values[0] : values);
          },
        ),
        600,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "deep nesting and huge key counts: refused past maxDepth (64), else every field kept, no pollution",
    () =>
      check(
        fc.property(
          fc.integer({ min: 1, max: 20_000 }),
          fc.integer({ min: 0, max: 5000 }),
          fc.constantFrom("a[]", "k%d", "a[%d]", "a[b][%d][c]"),
          (count, depth, pattern) => {
            const deepKey = `x${"[y]".repeat(depth)}`;
            const fields: [string, string][] = Array.from({ length: count }, (_, i) => [pattern.replace("%d", String(i)), String(i)]);
            fields.push([deepKey, "deep"], [`${deepKey}[__proto__][polluted]`, "yes"]);
            // The prototype key's field nests deepest: depth + 3 levels.
            // Up to 20,000 fields: a budget for that many (the receiver's comes from the body's size).
            const limits = { maxDepth: 64, maxContainers: 100_000 };
            if (depth + 3 > 64) {
              expect(() => expandNestedKeys(fields, limits)).toThrow(/deeper than 64 levels/);
              return;
            }
            const form = expandNestedKeys(fields, limits);
            const patternDepth = { "a[]": 2, "k%d": 1, "a[%d]": 2, "a[b][%d][c]": 4 }[pattern];
            expect(nestingDepth(form)).toBe(Math.max(depth + 1, patternDepth));
            expect(unsafeKeyPath(form)).toBeUndefined();
            if (pattern === "a[]") expect(form["a"]).toHaveLength(count);
            if (pattern === "k%d") expect(Object.keys(form)).toHaveLength(count + 1);
            assertNoPrototypePollution();
          },
        ),
        40,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "bodies another middleware parsed (flat or qs-nested, prototype keys as own properties) are cleaned the same way",
    () =>
      check(
        fc.property(
          fc.dictionary(
            fc.oneof(bracketKey(5), fc.constantFrom(...UNSAFE_KEYS)),
            fc.oneof(
              unicodeString({ maxLength: 4 }),
              fc.array(unicodeString({ maxLength: 3 }), { maxLength: 3 }),
              fc.jsonValue({ maxDepth: 3 }),
            ),
            {
              maxKeys: 12,
              noNullPrototype: false,
            },
          ),
          fc.constantFrom("urlencoded" as const, "multipart" as const, "json" as const),
          (body, format) => {
            // JSON.parse turns "__proto__" into an own key, as body parsers do.
            const parsed = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
            const adopted = adoptParsedBody(parsed, format);
            expect(unsafeKeyPath(adopted)).toBeUndefined();
            expect(hasOrdinaryPrototypes(adopted)).toBe(true);
            assertNoPrototypePollution();
          },
        ),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
