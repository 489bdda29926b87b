import fc from "fast-check";
import { parseUrlencoded, parseUrlencodedEntries } from "../../lib/core/request/content-types/urlencoded.js";
import { isWebhookError } from "../../lib/core/errors.js";
import { bracketKey, wellFormedString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertNoPrototypePollution } from "./invariants.js";
import { hasOrdinaryPrototypes, nestingDepth, unsafeKeyPath } from "./walk.js";

/** Percent-encodes every byte of a string's UTF-8, hex digits in either case, spaces maybe as "+". */
function encodeComponent(text: string, upper: boolean, plus: boolean): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    if (plus && byte === 0x20) out += "+";
    else if (/[A-Za-z0-9*\-._]/.test(String.fromCharCode(byte))) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).padStart(2, "0")[upper ? "toUpperCase" : "toLowerCase"]()}`;
  }
  return out;
}

/** Form-body text: separators, escapes (valid, stray, truncated), brackets and raw high bytes. */
const formishBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom("&", "=", "%", "%2", "%zz", "%25", "+", "[", "]", "a", "__proto__", "%ff", "%c3%a9", "%ed%a0%80", "\u00ff"),
      fc.string({ maxLength: 3 }),
    ),
    {
      maxLength: 30,
    },
  )
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

/**
 * The byte path alone, as the WHATWG form parser defines it: "+" is a space, "%XY" a
 * byte, a stray "%" itself; then strict UTF-8 with a leading U+FEFF kept. The parser's
 * decodeURIComponent shortcut must agree with it on every input.
 */
function referenceEntries(bytes: Uint8Array): [string, string][] | "malformed_body" {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const decode = (token: string): string => {
    const out: number[] = [];
    const text = token.replace(/\+/g, " ");
    for (let i = 0; i < text.length; i++) {
      if (text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
        out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else out.push(text.charCodeAt(i) & 0xff);
    }
    return decoder.decode(Uint8Array.from(out));
  };
  try {
    return Buffer.from(bytes)
      .toString("latin1")
      .split("&")
      .filter((pair) => pair.length > 0)
      .map((pair) => {
        const eq = pair.indexOf("=");
        return [decode(eq === -1 ? pair : pair.slice(0, eq)), decode(eq === -1 ? "" : pair.slice(eq + 1))];
      });
  } catch {
    return "malformed_body";
  }
}

describe("urlencoded bodies (fuzzed)", () => {
  test(
    "UTF-8: the decodeURIComponent shortcut decodes exactly what the byte path does, and refuses exactly what it refuses",
    () =>
      check(
        fc.property(
          fc.oneof(
            formishBytes,
            fc.uint8Array({ maxLength: 80 }),
            fc
              .array(fc.tuple(wellFormedString(), wellFormedString(), fc.boolean(), fc.boolean()), { maxLength: 6 })
              .map((pairs) =>
                Buffer.from(
                  pairs
                    .map(([key, value, upper, plus]) => `${encodeComponent(key, upper, plus)}=${encodeComponent(value, upper, plus)}`)
                    .join("&"),
                ),
              ),
          ),
          (bytes) => {
            let actual: [string, string][] | string;
            try {
              actual = parseUrlencodedEntries(bytes, { maxFields: 1000 });
            } catch (error) {
              actual = isWebhookError(error) ? error.code : String(error);
            }
            expect(actual).toEqual(referenceEntries(bytes));
          },
        ),
        1500,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "any bytes: an object of ordinary prototypes with no prototype keys, or a WebhookError; never pollution",
    () =>
      check(
        fc.property(fc.oneof(formishBytes, fc.uint8Array({ maxLength: 80 })), fc.integer({ min: 1, max: 40 }), (bytes, maxFields) => {
          try {
            const form = parseUrlencoded(bytes, { maxFields });
            expect(unsafeKeyPath(form)).toBeUndefined();
            expect(hasOrdinaryPrototypes(form)).toBe(true);
          } catch (error) {
            expect(isWebhookError(error) && ["malformed_body", "body_too_large"].includes(error.code)).toBe(true);
          }
          assertNoPrototypePollution();
        }),
        800,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "fields encoded by any client (hex case, + for space, unicode) read back exactly, in order",
    () =>
      check(
        fc.property(
          fc.array(fc.tuple(fc.oneof(wellFormedString({ maxLength: 8 }), bracketKey()), wellFormedString({ maxLength: 12 })), {
            maxLength: 20,
          }),
          fc.boolean(),
          fc.boolean(),
          (fields, upper, plus) => {
            const body = fields
              .map(([key, value]) => `${encodeComponent(key, upper, plus)}=${encodeComponent(value, upper, plus)}`)
              .join("&");
            // An empty key and value encode to "=", which is a field; "" between two "&" is not.
            expect(parseUrlencodedEntries(Buffer.from(body, "latin1"), { maxFields: 1000 })).toEqual(fields);
          },
        ),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "invalid UTF-8 after percent-decoding is malformed_body, never replacement characters",
    () =>
      check(
        fc.property(
          fc.oneof(
            fc.uint8Array({ minLength: 1, maxLength: 16 }),
            fc.uint8Array({ maxLength: 8 }).map((tail) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), tail])),
          ),
          (bytes) => {
            const valid = Buffer.from(Buffer.from(bytes).toString("utf8"), "utf8").equals(Buffer.from(bytes));
            const body = `k=${[...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("")}`;
            let outcome: string;
            try {
              outcome = parseUrlencodedEntries(Buffer.from(body), { maxFields: 10 })[0]![1];
            } catch (error) {
              outcome = isWebhookError(error) ? error.code : "foreign";
            }
            // A leading U+FEFF in a field is text, kept like any other character.
            const expected = Buffer.from(bytes).toString("utf8");
            expect(outcome).toBe(valid ? expected : "malformed_body");
          },
        ),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "huge field counts: up to maxFields parse (nesting at most 33 deep), one more is 413",
    () =>
      check(
        fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 2000 }), bracketKey(40), (count, maxFields, key) => {
          const body = Buffer.from(Array.from({ length: count }, (_, i) => `${encodeComponent(key, true, false)}=${i}`).join("&"));
          try {
            const form = parseUrlencoded(body, { maxFields });
            expect(count).toBeLessThanOrEqual(maxFields);
            expect(nestingDepth(form)).toBeLessThanOrEqual(34);
            expect(unsafeKeyPath(form)).toBeUndefined();
          } catch (error) {
            expect(isWebhookError(error) && error.code).toBe("body_too_large");
            expect(count).toBeGreaterThan(maxFields);
          }
          assertNoPrototypePollution();
        }),
        60,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
