import fc from "fast-check";
import {
  isUploadedFile,
  parseMultipart,
  parseMultipartEntries,
  type MultipartLimits,
} from "../../lib/core/request/content-types/multipart.js";
import { boundaryArb, bracketKey, wellFormedString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertNoPrototypePollution, watchProcess } from "./invariants.js";
import { multipartBody, multipartType, type Part } from "./multipart-body.js";
import { codeOf, settleOrHang } from "./settle-or-hang.js";
import { unsafeKeyPath } from "./walk.js";

const watch = watchProcess();
afterAll(() => {
  watch.dispose();
});

const roomy: MultipartLimits = { maxFileSize: 1 << 20, maxFiles: 50, maxFields: 5000, maxFieldSize: 1 << 20 };

function hasControl(text: string): boolean {
  return Array.from(text).some((char) => char.charCodeAt(0) < 0x20 || char === "\x7f");
}

/** Names and filenames a browser may send: unicode, brackets, spaces, quotes (no path separators in filenames). */
// Control characters are percent-encoded by browsers; busboy refuses them raw in a part header.
const partName = fc.oneof(
  wellFormedString({ maxLength: 8 }).filter((name) => !hasControl(name)),
  bracketKey(3),
);
const fileName = wellFormedString({ minLength: 1, maxLength: 8 }).filter(
  (name) => !hasControl(name) && !/[/\\]/.test(name) && name.trim() === name && name !== "." && name !== "..",
);

const fieldPart = fc
  .record({ name: partName, value: wellFormedString({ maxLength: 40 }) })
  .map(({ name, value }): Part => ({ name, value: Buffer.from(value, "utf8") }));
const filePart = fc
  .record({
    name: partName,
    filename: fileName,
    value: fc.uint8Array({ maxLength: 200 }),
    contentType: fc.constantFrom("application/octet-stream", "image/png", "application/json"),
  })
  .map(({ value, ...rest }): Part => ({ ...rest, value: Buffer.from(value) }));
const validParts = fc.array(fc.oneof({ weight: 3, arbitrary: fieldPart }, { weight: 1, arbitrary: filePart }), { maxLength: 12 });

/** A boundary that none of the parts' bytes happen to contain. */
function fits(boundary: string, parts: readonly Part[]): boolean {
  return parts.every((part) => !part.value.includes(`--${boundary}`) && !part.value.includes(`\r\n--`));
}

/** What a part must read back as. */
function expectedEntry(part: Part): [string | undefined, unknown] {
  if (part.filename === undefined) return [part.name, part.value.toString("utf8")];
  return [part.name, { filename: part.filename, mimeType: part.contentType, encoding: "7bit", data: part.value }];
}

/** A count or size near a limit: at it and one past it as often as anywhere below. */
function around(limit: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constant(limit), fc.constant(limit + 1), fc.nat({ max: limit + 1 }));
}

function parse(body: Buffer, contentType: string, limits = roomy, charset?: string) {
  return settleOrHang(parseMultipartEntries(body, { "content-type": contentType }, limits, charset), 2000);
}

describe("multipart bodies through busboy (fuzzed)", () => {
  test(
    "any fields and files, any boundary, unicode names and filenames: read back exactly, in order",
    () =>
      check(
        fc.asyncProperty(
          validParts,
          boundaryArb,
          fc.constantFrom("", "preamble text"),
          fc.constantFrom("", "epilogue\r\n"),
          async (parts, boundary, preamble, epilogue) => {
            fc.pre(fits(boundary, parts));
            const outcome = await parse(multipartBody(parts, boundary, { preamble, epilogue }), multipartType(boundary));
            expect(outcome.kind).toBe("resolved");
            if (outcome.kind === "resolved") expect(outcome.value).toEqual(parts.map(expectedEntry));
          },
        ),
        400,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "random bytes, random part headers, random boundaries: an object or a WebhookError, never a hang or a crash",
    () =>
      check(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
            fc
              .array(
                fc.oneof(
                  fc.constantFrom(
                    "--B",
                    "--B--",
                    "\r\n",
                    "Content-Disposition: form-data",
                    '; name="a"',
                    "; name=",
                    '; filename="f"',
                    "; filename*=utf-8''%E2%82%AC",
                    "Content-Type: text/plain; charset=bogus",
                    "Content-Type: text/plain; charset=shift_jis",
                    "Content-Transfer-Encoding: base64",
                    "\r\n\r\n",
                    "x",
                    "a[b]",
                    "__proto__",
                    "\u00ff",
                  ),
                  fc.string({ maxLength: 4 }),
                ),
                { maxLength: 40 },
              )
              .map((parts) => Buffer.from(parts.join(""), "latin1")),
          ),
          fc.oneof(
            fc.constant(multipartType("B")),
            fc.constant("multipart/form-data"),
            fc.constant("multipart/form-data; boundary="),
            fc.string({ maxLength: 30 }).map((text) => `multipart/form-data; ${text}`),
          ),
          async (body, contentType) => {
            const outcome = await settleOrHang(
              parseMultipart(body, { "content-type": contentType }, { maxFileSize: 100, maxFiles: 3, maxFields: 10, maxFieldSize: 100 }),
              2000,
            );
            if (outcome.kind === "resolved") expect(unsafeKeyPath(outcome.value)).toBeUndefined();
            else expect(["malformed_body", "body_too_large", "unsupported_charset"]).toContain(codeOf(outcome));
            assertNoPrototypePollution();
            await watch.assertQuiet();
          },
        ),
        800,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a valid body cut anywhere: malformed_body, or (cut in the epilogue) every part intact",
    () =>
      check(
        fc.asyncProperty(validParts, boundaryArb, fc.double({ min: 0, max: 1, noNaN: true }), async (parts, boundary, at) => {
          fc.pre(fits(boundary, parts));
          const body = multipartBody(parts, boundary);
          const cut = Math.floor(body.length * at);
          const outcome = await parse(body.subarray(0, cut), multipartType(boundary));
          if (outcome.kind === "resolved") expect(outcome.value).toEqual(parts.map(expectedEntry));
          else expect(codeOf(outcome)).toBe("malformed_body");
          await watch.assertQuiet();
        }),
        400,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "field and file sizes and counts around every limit: exactly the limit passes, one more is 413",
    () =>
      check(
        fc.asyncProperty(
          fc
            .record({
              maxFileSize: fc.integer({ min: 1, max: 300 }),
              maxFiles: fc.integer({ min: 1, max: 5 }),
              maxFields: fc.integer({ min: 1, max: 8 }),
              maxFieldSize: fc.integer({ min: 1, max: 300 }),
            })
            .chain((limits) =>
              fc.tuple(
                fc.constant(limits),
                fc.record({
                  fields: around(limits.maxFields),
                  files: around(limits.maxFiles),
                  fieldSize: around(limits.maxFieldSize),
                  fileSize: around(limits.maxFileSize),
                }),
              ),
            ),
          boundaryArb,
          async ([limits, shape], boundary) => {
            const parts: Part[] = [
              ...Array.from({ length: shape.fields }, (_, i): Part => ({ name: `f${i}`, value: Buffer.alloc(shape.fieldSize, 0x61) })),
              ...Array.from({ length: shape.files }, (_, i): Part => ({
                name: `u${i}`,
                filename: `u${i}.bin`,
                contentType: "application/octet-stream",
                value: Buffer.alloc(shape.fileSize, 0x62),
              })),
            ];
            fc.pre(fits(boundary, parts));
            const over =
              shape.fields > limits.maxFields ||
              shape.files > limits.maxFiles ||
              (shape.fields > 0 && shape.fieldSize > limits.maxFieldSize) ||
              (shape.files > 0 && shape.fileSize > limits.maxFileSize);
            const outcome = await parse(multipartBody(parts, boundary), multipartType(boundary), limits);
            expect(codeOf(outcome)).toBe(over ? "body_too_large" : "resolved");
            await watch.assertQuiet();
          },
        ),
        400,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "thousands of parts: up to maxFields parse, beyond is 413, never a hang",
    () =>
      check(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 4000 }),
          fc.integer({ min: 1, max: 2500 }),
          fc.constantFrom("a[]", "k%d", "o[%d][x]"),
          async (count, maxFields, pattern) => {
            const parts = Array.from({ length: count }, (_, i): Part => ({
              name: pattern.replace("%d", String(i)),
              value: Buffer.from(String(i)),
            }));
            const outcome = await settleOrHang(
              parseMultipart(multipartBody(parts, "XyZ"), { "content-type": multipartType("XyZ") }, { ...roomy, maxFields }),
              5000,
            );
            expect(codeOf(outcome)).toBe(count > maxFields ? "body_too_large" : "resolved");
            if (outcome.kind === "resolved" && pattern === "a[]" && count > 0) expect(outcome.value["a"]).toHaveLength(count);
            await watch.assertQuiet();
          },
        ),
        25,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test("file parts read back as UploadedFile objects", () =>
    check(
      fc.asyncProperty(filePart, async (part) => {
        const outcome = await parse(multipartBody([part], "b0"), multipartType("b0"));
        expect(outcome.kind === "resolved" && isUploadedFile(outcome.value[0]?.[1])).toBe(true);
      }),
      100,
    ));
});
