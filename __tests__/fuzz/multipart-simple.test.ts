import fc from "fast-check";
import { parseMultipartEntries, type MultipartLimits } from "../../lib/core/request/content-types/multipart.js";
import { parseSimpleMultipart } from "../../lib/core/request/content-types/multipart-simple.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { codeOf, settleOrHang } from "./settle-or-hang.js";

// The one-pass reader must read exactly what busboy reads, or leave the body to busboy.
// Bodies here are built to sit on its edges: header spellings, tricky bytes in values,
// delimiters inside data and heads, limits at and past their values, truncations.

const BOUNDARY = fc.oneof(
  fc.constantFrom("B", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "x-y_z.1", "a'b(c)d+e,f/g:h=i?j"),
  fc.stringMatching(/^[0-9A-Za-z'()+_,\-./:=?]{1,12}$/),
);

/** Mostly `usual`, sometimes `odd`: every part must be usual for the one-pass path to read a body. */
function mostly<T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 30, arbitrary: usual }, { weight: 1, arbitrary: odd });
}

interface GenPart {
  dispositionName: string;
  disposition: string;
  typeHeader: string | undefined;
  typeName: string;
  separator: string;
  value: Uint8Array;
}

// Built once: arbitraries such as stringMatching are costly to build per run.
const name = mostly(
  fc.oneof(fc.constantFrom("message[content]", "a", "x y", "message[attachments][][name]"), fc.stringMatching(/^[a-z[\]_ ]{1,8}$/)),
  fc.oneof(fc.constantFrom("é", 'q"uote', "back\\slash", ""), fc.string({ maxLength: 6 })),
);
const filename = mostly(
  fc.option(fc.constantFrom("a.txt", "photo 1.png", "x"), { nil: undefined }),
  fc.constantFrom("dir/a.txt", "c:\\a.txt", ".", "..", "", "日本.png", 'q"f'),
);
const disposition = fc
  .tuple(
    name,
    filename,
    mostly(fc.constantFrom("; ", ";"), fc.constant(";  ")),
    mostly(fc.constant("form-data"), fc.constantFrom("Form-Data", "attachment")),
  )
  .chain(([n, f, semi, kind]) =>
    mostly(fc.constant(""), fc.constantFrom(" ", "\t")).map(
      (trailing) => `${kind}${semi}name="${n}"${f === undefined ? "" : `${semi}filename="${f}"`}${trailing}`,
    ),
  );
const type = mostly(
  fc.constantFrom("text/plain", "application/octet-stream", "image/png"),
  fc.constantFrom("TEXT/PLAIN", "text/plain; charset=utf-8", "text/plain; charset=latin1", "application/json "),
);

function partArb(boundary: string): fc.Arbitrary<GenPart> {
  const tricky = fc.constantFrom(
    "\r",
    "\n",
    "\r\n",
    "--",
    `--${boundary}`,
    `\r\n--${boundary}--`,
    `\r\n--${boundary}`,
    `\r\n--${boundary}x`,
    "\r\n\r\n",
    "\xff\xfe",
    "é",
  );
  const value = fc
    .array(
      mostly(
        fc.uint8Array({ maxLength: 12 }),
        tricky.map((text) => Buffer.from(text, "latin1")),
      ),
      { maxLength: 4 },
    )
    .map((pieces) => Buffer.concat(pieces));
  return fc.record({
    dispositionName: mostly(
      fc.constantFrom("Content-Disposition", "content-disposition", "CONTENT-DISPOSITION"),
      fc.constant("Content-Type"),
    ),
    disposition,
    typeHeader: mostly(
      fc.option(fc.constantFrom("Content-Type", "content-type"), { nil: undefined }),
      fc.constant("Content-Transfer-Encoding"),
    ),
    typeName: type,
    separator: mostly(fc.constantFrom(": ", ":", ":\t", ":  "), fc.constant(" : ")),
    value,
  });
}

function build(boundary: string, parts: readonly GenPart[], preamble: string, ending: string): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble, "latin1")];
  for (const part of parts) {
    let head = `--${boundary}\r\n${part.dispositionName}${part.separator}${part.disposition}\r\n`;
    if (part.typeHeader !== undefined) head += `${part.typeHeader}${part.separator}${part.typeName}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, "utf8"), Buffer.from(part.value), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}${ending}`, "latin1"));
  return Buffer.concat(chunks);
}

/** Mostly roomy, sometimes at or just past what the body needs. */
const limitsArb: fc.Arbitrary<MultipartLimits> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ maxFields: 10, maxFiles: 10, maxFieldSize: 1000, maxFileSize: 1000 }) },
  fc.record({
    maxFields: fc.integer({ min: 0, max: 4 }),
    maxFiles: fc.integer({ min: 0, max: 4 }),
    maxFieldSize: fc.integer({ min: 0, max: 48 }),
    maxFileSize: fc.integer({ min: 0, max: 48 }),
  }),
);

const bodyArb = BOUNDARY.chain((boundary) =>
  fc.record({
    boundary: fc.constant(boundary),
    contentType: mostly(
      fc.constantFrom(
        `multipart/form-data; boundary=${boundary}`,
        `multipart/form-data;boundary="${boundary}"`,
        `Multipart/Form-Data; boundary=${boundary}`,
      ),
      fc.constant(`multipart/form-data; boundary=${boundary}; charset=utf-8`),
    ),
    parts: fc.array(partArb(boundary), { maxLength: 4 }),
    preamble: mostly(fc.constant(""), fc.constantFrom("preamble\r\n", "\r\n")),
    ending: mostly(fc.constantFrom("--", "--\r\n", "--\r\nepilogue", "--\r\n--"), fc.constantFrom("-", "\r\n", "")),
    cut: mostly(fc.constant(undefined), fc.nat()),
    limits: limitsArb,
  }),
);

describe("the one-pass multipart reader against busboy (fuzzed)", () => {
  test(
    "whatever it reads, busboy reads the same; whatever busboy refuses, it leaves to busboy",
    async () => {
      let read = 0;
      let total = 0;
      await check(
        fc.asyncProperty(bodyArb, async ({ boundary, contentType, parts, preamble, ending, cut, limits }) => {
          let body = build(boundary, parts, preamble, ending);
          if (cut !== undefined) body = body.subarray(0, cut % (body.length + 1));
          const simple = parseSimpleMultipart(body, contentType, limits);
          total++;
          if (simple === undefined) return;
          read++;
          const outcome = await settleOrHang(parseMultipartEntries(body, { "content-type": contentType }, limits, "utf-8"), 2000);
          if (outcome.kind !== "resolved") throw new Error(`busboy refused (${codeOf(outcome)}) what the one-pass reader read`);
          expect(simple).toEqual(outcome.value);
        }),
        2000,
      );
      // Not a vacuous comparison: a good share of the bodies take the one-pass path.
      expect(read / total).toBeGreaterThan(0.1);
    },
    PROPERTY_TIMEOUT_MS,
  );

  test("the plain shape every sender writes is read in one pass, not left to busboy", () => {
    const body = build(
      "XyZ",
      [
        {
          dispositionName: "Content-Disposition",
          separator: ": ",
          disposition: 'form-data; name="message[content]"',
          typeHeader: undefined,
          typeName: "",
          value: Buffer.from("こんにちは"),
        },
        {
          dispositionName: "Content-Disposition",
          separator: ": ",
          disposition: 'form-data; name="file"; filename="a.png"',
          typeHeader: "Content-Type",
          typeName: "image/png",
          value: Buffer.from([0, 1, 2]),
        },
      ],
      "",
      "--\r\n",
    );
    expect(
      parseSimpleMultipart(body, "multipart/form-data; boundary=XyZ", { maxFields: 10, maxFiles: 1, maxFieldSize: 100, maxFileSize: 100 }),
    ).toEqual([
      ["message[content]", "こんにちは"],
      ["file", { filename: "a.png", mimeType: "image/png", encoding: "7bit", data: Buffer.from([0, 1, 2]) }],
    ]);
  });

  // Edges the generator rarely reaches, each compared with busboy.
  const roomy: MultipartLimits = { maxFields: 10, maxFiles: 10, maxFieldSize: 100_000, maxFileSize: 100_000 };
  async function busboyReads(body: Buffer, contentType: string, limits = roomy) {
    const outcome = await settleOrHang(parseMultipartEntries(body, { "content-type": contentType }, limits, "utf-8"), 2000);
    return outcome.kind === "resolved" ? outcome.value : codeOf(outcome);
  }
  const field = (name: string, value: string, extra = "") =>
    `--B\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;

  // Found by the property above: after a closing delimiter busboy still reads part heads.
  test("a closing delimiter with more parts after it: busboy still reads them, so it is left to busboy", async () => {
    const plain = { dispositionName: "Content-Disposition", separator: ": ", typeHeader: undefined, typeName: "text/plain" };
    const body = build(
      "x-y_z.1",
      [
        { ...plain, disposition: 'form-data; name=" "', value: Buffer.from("\r\n--x-y_z.1--") },
        { ...plain, disposition: 'form-data; name="]"', typeHeader: "Content-Transfer-Encoding", value: Buffer.alloc(0) },
      ],
      "",
      "--",
    );
    const limits = { maxFields: 1, maxFiles: 0, maxFieldSize: 0, maxFileSize: 0 };
    expect(parseSimpleMultipart(body, "multipart/form-data; boundary=x-y_z.1", limits)).toBeUndefined();
    expect(await busboyReads(body, "multipart/form-data; boundary=x-y_z.1", limits)).toBe("body_too_large");
  });

  test("part headers over 16 KiB: busboy refuses, so it is left to busboy", async () => {
    const body = Buffer.from(`${field("n".repeat(20_000), "1")}--B--`);
    expect(parseSimpleMultipart(body, "multipart/form-data; boundary=B", roomy)).toBeUndefined();
    expect(await busboyReads(body, "multipart/form-data; boundary=B")).toBe("malformed_body");
  });

  test("whitespace after a header value: left to busboy", async () => {
    const body = Buffer.from(`${field("a", "1", " ")}--B--`);
    expect(parseSimpleMultipart(body, "multipart/form-data; boundary=B", roomy)).toBeUndefined();
  });
});
