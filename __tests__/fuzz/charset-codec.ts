import { TextDecoder } from "node:util";

/** An encoder for a legacy charset, and the characters it can spell. */
export interface Codec {
  /** Characters (code points) with a byte sequence in this charset. */
  readonly chars: readonly string[];
  readonly encode: (text: string) => Buffer;
}

/** Every byte sequence of the given shapes, decoded strictly: what decodes to one character is kept. */
function tableFrom(charset: string, sequences: Iterable<number[]>): Codec {
  const decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: true });
  const bytesOf = new Map<string, Buffer>();
  for (const sequence of sequences) {
    let char: string;
    try {
      char = decoder.decode(Uint8Array.from(sequence));
    } catch {
      continue;
    }
    // Several sequences may decode to one character (vendor duplicates): the first spells it.
    if (Array.from(char).length === 1 && !bytesOf.has(char)) bytesOf.set(char, Buffer.from(sequence));
  }
  return {
    chars: [...bytesOf.keys()],
    encode: (text) => Buffer.concat(Array.from(text).map((char) => bytesOf.get(char) ?? Buffer.alloc(0))),
  };
}

function* range(from: number, to: number): Generator<number> {
  for (let value = from; value <= to; value++) yield value;
}

function* singles(from: number, to: number): Generator<number[]> {
  for (const byte of range(from, to)) yield [byte];
}

function* pairs(leads: Iterable<number>, trails: readonly number[]): Generator<number[]> {
  for (const lead of leads) for (const trail of trails) yield [lead, trail];
}

function* shiftJisSequences(): Generator<number[]> {
  yield* singles(0x00, 0xff);
  const trails = [...range(0x40, 0x7e), ...range(0x80, 0xfc)];
  yield* pairs([...range(0x81, 0x9f), ...range(0xe0, 0xfc)], trails);
}

function* eucJpSequences(): Generator<number[]> {
  yield* singles(0x00, 0x7f);
  const trails = [...range(0xa1, 0xfe)];
  yield* pairs([0x8e], trails);
  yield* pairs(range(0xa1, 0xfe), trails);
  for (const pair of pairs(range(0xa1, 0xfe), trails)) yield [0x8f, ...pair];
}

const cache = new Map<string, Codec>();

function cached(name: string, build: () => Codec): Codec {
  let codec = cache.get(name);
  if (!codec) cache.set(name, (codec = build()));
  return codec;
}

function utf16(bigEndian: boolean): Codec {
  return {
    chars: [],
    encode: (text) => {
      const bytes = Buffer.from(text, "utf16le");
      return bigEndian ? bytes.swap16() : bytes;
    },
  };
}

/** Encoders for the charsets the fuzz suite round-trips (WHATWG names). */
export function codecFor(charset: "shift_jis" | "euc-jp" | "windows-1252" | "utf-16le" | "utf-16be" | "utf-8"): Codec {
  switch (charset) {
    case "shift_jis":
      return cached(charset, () => tableFrom("shift_jis", shiftJisSequences()));
    case "euc-jp":
      return cached(charset, () => tableFrom("euc-jp", eucJpSequences()));
    case "windows-1252":
      return cached(charset, () => tableFrom("windows-1252", singles(0x00, 0xff)));
    case "utf-16le":
      return utf16(false);
    case "utf-16be":
      return utf16(true);
    case "utf-8":
      return { chars: [], encode: (text) => Buffer.from(text, "utf8") };
  }
}
