import fc from "fast-check";
import { parseJson } from "../../lib/core/request/content-types/json.js";
import { adoptParsedBody } from "../../lib/core/request/content-types/parse-body.js";
import { isWebhookError } from "../../lib/core/errors.js";
import { deepJson, UNSAFE_KEYS, unicodeString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertNoPrototypePollution } from "./invariants.js";
import { hasOrdinaryPrototypes, nestingDepth, unsafeKeyPath } from "./walk.js";

/** A JSON document as a tree, so it can hold keys a JS object literal cannot (`__proto__`, repeats). */
type JsonTree = null | boolean | number | string | { list: JsonTree[] } | { entries: [string, JsonTree][] };

const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(...UNSAFE_KEYS) },
  { weight: 1, arbitrary: fc.constantFrom("toString", "hasOwnProperty", "a", "a") },
);

const { tree } = fc.letrec<{ tree: JsonTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    unicodeString({ maxLength: 8 }),
    fc.array(tie("tree"), { maxLength: 4 }).map((list) => ({ list })),
    fc.array(fc.tuple(key, tie("tree")), { maxLength: 5 }).map((entries) => ({ entries })),
  ),
}));

/** Serialises a tree; `escapeKeys` spells some key characters as `\uXXXX` (a key can hide that way). */
function serialize(node: JsonTree, escapeKeys: boolean): string {
  if (node === null || typeof node !== "object") return JSON.stringify(node);
  if ("list" in node) return `[${node.list.map((item) => serialize(item, escapeKeys)).join(",")}]`;
  const members = node.entries.map(([name, value]) => {
    const spelled = escapeKeys
      ? `"${Array.from(name)
          .map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)
          .join("")}"`
      : JSON.stringify(name);
    return `${spelled} :${serialize(value, escapeKeys)}`;
  });
  return `{${members.join(",")}}`;
}

/** What the parser must give: JSON.parse's value with every prototype key left out. */
function model(node: JsonTree): unknown {
  if (node === null || typeof node !== "object") return typeof node === "number" ? JSON.parse(JSON.stringify(node)) : node;
  if ("list" in node) return node.list.map(model);
  const object: Record<string, unknown> = {};
  for (const [name, value] of node.entries) {
    // JSON.parse keeps the last of repeated keys; a prototype key is removed wherever it is.
    if ((UNSAFE_KEYS as readonly string[]).includes(name)) Reflect.deleteProperty(object, name);
    else object[name] = model(value);
  }
  return object;
}

function containsLoneSurrogate(node: JsonTree): boolean {
  return /[\ud800-\udfff]/.test(JSON.stringify(node)) && !JSON.stringify(node).match(/[\ud800-\udbff][\udc00-\udfff]/);
}

describe("JSON bodies (fuzzed)", () => {
  test(
    "any document, prototype keys anywhere (plain or \\u-escaped): JSON.parse's value without them, no pollution",
    () =>
      check(
        fc.property(tree, fc.boolean(), fc.constantFrom("", "\ufeff", " \n\t"), (document, escapeKeys, prefix) => {
          const text = prefix + serialize(document, escapeKeys);
          const parsed = parseJson(Buffer.from(text, "utf8"));
          expect(unsafeKeyPath(parsed)).toBeUndefined();
          expect(hasOrdinaryPrototypes(parsed)).toBe(true);
          // Lone surrogates cannot survive UTF-8; everything else must come back exactly.
          if (!containsLoneSurrogate(document)) expect(parsed).toEqual(model(document));
          assertNoPrototypePollution();
        }),
        600,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a prototype key at any depth (objects and arrays, deeper than any recursion limit) is removed",
    () =>
      check(
        fc.property(
          fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 250, max: 20_000 })),
          fc.array(fc.constantFrom("object" as const, "array" as const), { minLength: 1, maxLength: 3 }),
          fc.constantFrom(...UNSAFE_KEYS),
          fc.boolean(),
          (depth, kinds, unsafe, preParsed) => {
            const text = deepJson(depth, kinds, unsafe);
            // Limits far above the default: the removal itself must hold at any depth.
            const roomy = { maxDepth: 1_000_000, maxContainers: 1_000_000 };
            // Pre-parsed: what a global express.json() hands over, adopted as it is.
            const parsed = preParsed
              ? adoptParsedBody(JSON.parse(text), "json", roomy.maxDepth)
              : parseJson(Buffer.from(text), undefined, roomy);
            expect(unsafeKeyPath(parsed)).toBeUndefined();
            assertNoPrototypePollution();
          },
        ),
        150,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "nesting deeper than maxDepth is refused (400 body_too_deep), parsed here or pre-parsed; up to it, accepted",
    () =>
      check(
        fc.property(
          fc.oneof(fc.nat({ max: 80 }), fc.integer({ min: 80, max: 100_000 })),
          fc.array(fc.constantFrom("object" as const, "array" as const), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 2, max: 200 }),
          fc.boolean(),
          (depth, kinds, maxDepth, preParsed) => {
            // deepJson nests depth + 2 levels (its innermost object holds one more).
            const text = deepJson(depth, kinds, "ok");
            const limits = { maxDepth, maxContainers: 1_000_000 };
            let outcome: unknown;
            try {
              outcome = preParsed ? adoptParsedBody(JSON.parse(text), "json", maxDepth) : parseJson(Buffer.from(text), undefined, limits);
            } catch (error) {
              outcome = error;
            }
            if (depth + 2 > maxDepth) expect(outcome).toMatchObject({ status: 400, code: "body_too_deep" });
            else expect(nestingDepth(outcome)).toBe(depth + 2);
          },
        ),
        150,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "random bytes in any charset label: a value or a WebhookError (400 / 415), never anything else",
    () =>
      check(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.string({ maxLength: 40 }).map((text) => Buffer.from(`{"a":${text}}`)),
          ),
          fc.option(fc.constantFrom("utf-8", "UTF-16LE", "utf-16be", "shift_jis", "latin1", "bogus", " utf-8 ", "x-user-defined")),
          (bytes, charset) => {
            try {
              parseJson(bytes, charset ?? undefined);
            } catch (error) {
              expect(isWebhookError(error)).toBe(true);
              if (isWebhookError(error)) expect(["malformed_body", "unsupported_charset"]).toContain(error.code);
            }
          },
        ),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
