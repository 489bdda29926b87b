import { Readable } from "node:stream";
import fc from "fast-check";

/** Keys that reach a prototype when assigned or merged. */
export const UNSAFE_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** One UTF-16 code unit or code point of every kind, lone surrogates and U+FFFD included. */
const unicodeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.constantFrom("\ufffd", "\u0000", "\r\n", " ", "\u00a0", "\ufeff", "é", "é") },
);

/** Any JS string: ASCII, Latin-1, astral, combining marks, lone surrogates. */
export function unicodeString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: unicodeUnit, ...constraints });
}

/** Any code point, and often the ones parsers trip on: a BOM, NUL, CRLF, NBSP, composed and decomposed accents. */
const wellFormedUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom("\ufeff", "\u0000", "\r\n", " ", "\u00a0", "é", "e\u0301", "\u2028", "😀") },
);

/** A string without lone surrogates (what UTF-8 and encodeURIComponent can carry). */
export function wellFormedString(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: wellFormedUnit, ...constraints });
}

/** Splits bytes into 1..n chunks at random places (some empty). */
export function chunkingOf(bytes: Uint8Array): fc.Arbitrary<Buffer[]> {
  return fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
    const chunks: Buffer[] = [];
    for (let i = 1; i < points.length; i++) chunks.push(Buffer.from(bytes.subarray(points[i - 1], points[i])));
    return chunks;
  });
}

/** A readable stream that yields the given chunks, as a socket would. */
export function streamOf(chunks: readonly Buffer[]): Readable {
  let index = 0;
  return new Readable({
    read() {
      // Empty chunks are skipped: push("") would not mean "no data" to every consumer.
      while (index < chunks.length && chunks[index]!.length === 0) index++;
      this.push(index < chunks.length ? chunks[index++]! : null);
    },
  });
}

/** Bytes and a chunking of them. */
export function chunkedBytes(maxLength: number): fc.Arbitrary<{ bytes: Uint8Array; chunks: Buffer[] }> {
  return fc.uint8Array({ maxLength }).chain((bytes) => chunkingOf(bytes).map((chunks) => ({ bytes, chunks })));
}

/** A Content-Length header for a body of `length` bytes: true, smaller, larger, huge or garbage. */
export function contentLengthFor(length: number): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.constant(String(length)),
    fc.nat({ max: Math.max(length - 1, 0) }).map(String),
    fc.integer({ min: length + 1, max: length + 100_000 }).map(String),
    fc.constantFrom("abc", "", "-1", " 12 ", "1e3", "0x10", "Infinity", "NaN", "12, 12", "99999999999999999999"),
  );
}

/** A segment of a bracket key: names, indexes, empties, prototype keys and bracket junk. */
const keySegment = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom("a", "b", "x", "_", "1"), minLength: 1, maxLength: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(...UNSAFE_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom("", "0", "1", "2", "999", "1000", "1001", "10000", "-1", "01") },
  { weight: 1, arbitrary: fc.constantFrom("length", "toString", "hasOwnProperty", "valueOf", "push", "__defineGetter__") },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("[", "]", "a", "_"), maxLength: 4 }) },
);

/** Form keys such as `a[b][0][]`, `__proto__[x]`, `a]b[`, nested up to `maxDepth`. */
export function bracketKey(maxDepth = 6): fc.Arbitrary<string> {
  return fc
    .tuple(keySegment, fc.array(keySegment, { maxLength: maxDepth }), fc.constantFrom("", "", "", "]", "[", "x"))
    .map(([head, rest, tail]) => `${head}${rest.map((segment) => `[${segment}]`).join("")}${tail}`);
}

/** JSON text nested `depth` levels deep (objects and arrays), an unsafe key at the bottom. */
export function deepJson(depth: number, kinds: readonly ("object" | "array")[], unsafeKey: string): string {
  let text = `{"${unsafeKey}":{"polluted":true},"leaf":1}`;
  for (let level = 0; level < depth; level++) {
    text = kinds[level % kinds.length] === "array" ? `[${text}]` : `{"a":${text}}`;
  }
  return text;
}

/** A multipart boundary of RFC 2046's characters (1 to 70 of them, no trailing space). */
export const boundaryArb = fc
  .string({ unit: fc.constantFrom(...Array.from("0123456789abcdefXYZ'()+_,-./:=? ")), minLength: 1, maxLength: 70 })
  .filter((boundary) => !boundary.endsWith(" "));

/** A distinctive secret, easy to spot if it ever leaks: random, long, unicode optional. */
export function distinctiveSecret(ascii: boolean): fc.Arbitrary<string> {
  const tail = ascii
    ? fc.string({ unit: "binary-ascii", minLength: 8, maxLength: 24 }).map((text) => text.replace(/[^\x21-\x7e]/g, "z"))
    : wellFormedString({ minLength: 4, maxLength: 24 });
  return fc
    .tuple(fc.uint8Array({ minLength: 12, maxLength: 12 }), tail)
    .map(([bytes, text]) => `S3CR37-${Buffer.from(bytes).toString("hex")}-${text}`);
}
