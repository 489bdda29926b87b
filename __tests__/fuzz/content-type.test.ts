import fc from "fast-check";
import { parseContentType } from "../../lib/core/request/content-types/content-type.js";
import { unicodeString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertNoPrototypePollution } from "./invariants.js";

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...Array.from(TCHAR)), minLength: 1, maxLength: 12 });
/** Parameter names: tokens, and names an object already has (`constructor`, `__proto__`, `toString`). */
const paramName = fc.oneof(
  { weight: 5, arbitrary: token },
  { weight: 1, arbitrary: fc.constantFrom("constructor", "__proto__", "toString", "valueOf", "charset", "boundary") },
);
/** Any text a quoted-string may carry, `;`, `=`, `"` and `\` included. */
const quotedText = fc.string({ unit: fc.constantFrom(...Array.from('ab ;=,"\\\t/:()<>@?[]{}é')), maxLength: 12 });

/** RFC 9110 quoted-string: quotes and backslashes escaped. */
function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

const ows = fc.constantFrom("", " ", "  ", "\t");

describe("Content-Type parsing (fuzzed)", () => {
  test(
    "any header text: no throw, lower-case type, lower-case parameter names, no prototype effects",
    () =>
      check(
        fc.property(fc.oneof(unicodeString({ maxLength: 60 }), fc.stringMatching(/^[a-zA-Z/ ;="\\,\t]{0,40}$/)), (header) => {
          const { type, params } = parseContentType(header);
          expect(type).toBe(type.toLowerCase());
          expect(type).toBe(type.trim());
          expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
          for (const name of Object.keys(params)) {
            expect(name).toBe(name.toLowerCase());
            expect(typeof params[name]).toBe("string");
          }
          assertNoPrototypePollution();
        }),
        800,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'a well-formed media type with parameters (tokens or quoted strings holding ; = " \\) reads back exactly',
    () =>
      check(
        fc.property(
          fc.tuple(token, token),
          fc.array(
            fc.tuple(
              paramName,
              fc.oneof(
                token.map((value) => ({ value, quoted: false })),
                quotedText.map((value) => ({ value, quoted: true })),
              ),
              ows,
              ows,
            ),
            {
              maxLength: 5,
            },
          ),
          ([type, subtype], params) => {
            const header = `${type}/${subtype}${params.map(([name, { value, quoted }, before, after]) => `${before};${after}${name}=${quoted ? quote(value) : value}`).join("")}`;
            const parsed = parseContentType(header);
            expect(parsed.type).toBe(`${type}/${subtype}`.toLowerCase());
            // The first occurrence of a name wins, as in the parser's contract.
            const expected = new Map<string, string>();
            for (const [name, { value }] of params) if (!expected.has(name.toLowerCase())) expected.set(name.toLowerCase(), value);
            for (const [name, value] of expected) {
              if (name === "__proto__" || name === "constructor" || name === "prototype") continue;
              expect(Object.hasOwn(parsed.params, name) ? parsed.params[name] : undefined).toBe(value);
            }
            assertNoPrototypePollution();
          },
        ),
        800,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
