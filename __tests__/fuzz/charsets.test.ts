import util, { TextDecoder } from "node:util";
import fc from "fast-check";
import { decodeText } from "../../lib/core/request/content-types/decode-text.js";
import { parseJson } from "../../lib/core/request/content-types/json.js";
import { parseMultipart } from "../../lib/core/request/content-types/multipart.js";
import { parseUrlencodedEntries } from "../../lib/core/request/content-types/urlencoded.js";
import { isWebhookError } from "../../lib/core/errors.js";
import { wellFormedString } from "./arbitraries.js";
import { codecFor } from "./charset-codec.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { multipartBody, multipartType } from "./multipart-body.js";

type Family = Parameters<typeof codecFor>[0];

/** WHATWG labels of each charset the suite round-trips. */
const LABELS: Record<Family, readonly string[]> = {
  "utf-8": ["utf-8", "utf8", "unicode-1-1-utf-8"],
  "utf-16le": ["utf-16le", "utf-16", "ucs-2", "unicode", "csunicode", "iso-10646-ucs-2"],
  "utf-16be": ["utf-16be", "unicodefffe"],
  shift_jis: ["shift_jis", "sjis", "ms_kanji", "windows-31j", "x-sjis", "csshiftjis", "ms932"],
  "euc-jp": ["euc-jp", "x-euc-jp", "cseucpkdfmtjapanese"],
  "windows-1252": ["windows-1252", "latin1", "iso-8859-1", "ascii", "us-ascii", "l1", "cp1252"],
};
const FAMILIES = Object.keys(LABELS) as Family[];

/** A text the family can spell, with one of its labels (any case). */
const spelled = fc.constantFrom(...FAMILIES).chain((family) => {
  const { chars } = codecFor(family);
  const text =
    chars.length > 0
      ? fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((list) => list.join(""))
      : wellFormedString({ maxLength: 12 });
  return fc.record({ family: fc.constant(family), label: fc.mixedCase(fc.constantFrom(...LABELS[family])), text });
});

/** The code of what `run` throws, or "none". */
function codeOfThrow(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return isWebhookError(error) ? error.code : `foreign: ${String(error)}`;
  }
  return "none";
}

const percent = (bytes: Buffer): string => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");

describe("charset decoding (fuzzed)", () => {
  beforeAll(() => {
    for (const family of FAMILIES) codecFor(family);
  });

  test(
    "Shift_JIS, EUC-JP, UTF-16 LE/BE, windows-1252 and UTF-8 text round-trips through every body format",
    () =>
      check(
        fc.asyncProperty(spelled, fc.boolean(), async ({ family, label, text }, quoted) => {
          const { encode } = codecFor(family);
          // keepBOM: a body's leading BOM is dropped on purpose (the next property), a field's is text.
          expect(decodeText(encode(text), label, { keepBOM: true })).toBe(text);
          expect(parseJson(encode(JSON.stringify({ k: text, [`${text}!`]: [text] })), label)).toEqual({ k: text, [`${text}!`]: [text] });
          expect(
            parseUrlencodedEntries(Buffer.from(`${percent(encode(text))}=${percent(encode(text))}&${percent(encode("k"))}`), {
              charset: label,
              maxFields: 10,
            }),
          ).toEqual([
            [text, text],
            ["k", ""],
          ]);
          const charset = quoted ? `"${label}"` : label;
          const body = multipartBody(
            [
              { name: "k", value: encode(text) },
              { name: "n", value: encode("1") },
            ],
            "fuzzXy",
          );
          // The receiver passes the Content-Type's charset; the header also carries it for busboy.
          await expect(
            parseMultipart(
              body,
              { "content-type": multipartType("fuzzXy", charset) },
              { maxFileSize: 100, maxFiles: 1, maxFields: 10, maxFieldSize: 1000 },
              label,
            ),
          ).resolves.toEqual({ k: text, n: "1" });
        }),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a BOM in UTF-8 and UTF-16 bodies is dropped, not part of the first key",
    () =>
      check(
        fc.property(
          fc.constantFrom("utf-8" as const, "utf-16le" as const, "utf-16be" as const),
          wellFormedString({ maxLength: 8 }),
          (family, text) => {
            const { encode } = codecFor(family);
            expect(parseJson(encode(`\ufeff${JSON.stringify({ [text]: 1 })}`), family)).toEqual({ [text]: 1 });
          },
        ),
        200,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "any label (padded, any case, unknown) and any bytes: WHATWG's strict decoding, or 415 / 400 WebhookErrors",
    () =>
      check(
        fc.property(
          fc.oneof(
            fc
              .tuple(
                fc.constantFrom("", " ", "\t", "\n "),
                fc.mixedCase(
                  fc.constantFrom(
                    ...Object.values(LABELS).flat(),
                    "iso-2022-jp",
                    "gbk",
                    "big5",
                    "x-user-defined",
                    "replacement",
                    "utf-7",
                    "utf-32",
                    "base64",
                    "hex",
                  ),
                ),
                fc.constantFrom("", " ", "\r\n"),
              )
              .map((parts) => parts.join("")),
            fc.string({ maxLength: 12 }),
          ),
          fc.uint8Array({ maxLength: 24 }),
          (label, bytes) => {
            let expected: string;
            try {
              const decoder = new TextDecoder(label, { fatal: true });
              try {
                expected = decoder.decode(bytes);
              } catch {
                expected = "malformed_body";
              }
            } catch {
              expected = "unsupported_charset";
            }
            let actual: string;
            try {
              actual = decodeText(bytes, label);
            } catch (error) {
              actual = isWebhookError(error) ? error.code : `foreign: ${String(error)}`;
            }
            expect(actual).toBe(expected);
          },
        ),
        800,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "unsupported charsets are 415 in every body format, multipart included",
    () =>
      check(
        fc.asyncProperty(fc.stringMatching(/^x-[a-z]{1,10}$/), async (label) => {
          const body = multipartBody([{ name: "k", value: Buffer.from("v") }], "b1");
          await expect(
            parseMultipart(
              body,
              { "content-type": multipartType("b1", label) },
              { maxFileSize: 10, maxFiles: 1, maxFields: 2, maxFieldSize: 10 },
              label,
            ),
          ).rejects.toMatchObject({ code: "unsupported_charset", status: 415 });
          expect(codeOfThrow(() => parseJson(Buffer.from("{}"), label))).toBe("unsupported_charset");
          expect(codeOfThrow(() => parseUrlencodedEntries(Buffer.from("a=b"), { charset: label, maxFields: 10 }))).toBe(
            "unsupported_charset",
          );
        }),
        100,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a sender cannot grow the decoder cache: padded and re-cased labels reuse one decoder",
    () =>
      check(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: 64 }), fc.mixedCase(fc.constantFrom(...Object.values(LABELS).flat())), fc.nat({ max: 64 })), {
            minLength: 1,
            maxLength: 30,
          }),
          (variants) => {
            for (const [, label] of variants) decodeText(Buffer.alloc(0), label);
            const Original = util.TextDecoder;
            let constructed = 0;
            util.TextDecoder = new Proxy(Original, {
              construct(target, args: ConstructorParameters<typeof TextDecoder>) {
                constructed++;
                return Reflect.construct(target, args);
              },
            });
            try {
              for (const [before, label, after] of variants)
                decodeText(Buffer.alloc(0), `${" ".repeat(before)}${label}${"\t".repeat(after)}`);
            } finally {
              util.TextDecoder = Original;
            }
            expect(constructed).toBe(0);
          },
        ),
        200,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
