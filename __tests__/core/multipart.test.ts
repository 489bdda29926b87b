import {
  isUploadedFile,
  parseMultipart,
  parseMultipartEntries,
  type MultipartLimits,
  type UploadedFile,
} from "../../lib/core/request/content-types/multipart.js";
import { encodeMultipart } from "../../lib/testing/encode.js";

const limits: MultipartLimits = { maxFileSize: 1024, maxFiles: 2, maxFields: 10, maxFieldSize: 256 };
const BOUNDARY = "----testboundary";
const headers = { "content-type": `multipart/form-data; boundary=${BOUNDARY}` };

type Part = { name: string; value: string | Buffer; filename?: string; type?: string };

/** Builds a multipart body by hand, so file parts and odd cases can be expressed. */
function multipart(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += "\r\n";
    if (part.type) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe("parseMultipart: nested field names as Rack and qs read them", () => {
  test("x[y][][z] and x[y][][w] are one element; a[99999999] is an object key; too deep is 400", async () => {
    const parts = [
      { name: "x[y][][z]", value: "1" },
      { name: "x[y][][w]", value: "2" },
      { name: "a[2]", value: "b" },
      { name: "a[99999999]", value: "c" },
    ];
    await expect(parseMultipart(multipart(parts), headers, limits)).resolves.toEqual({
      x: { y: [{ z: "1", w: "2" }] },
      a: { "2": "b", "99999999": "c" },
    });
    const deep = multipart([{ name: "a" + "[b]".repeat(8), value: "1" }]);
    await expect(parseMultipart(deep, headers, limits, undefined, { maxDepth: 8, maxContainers: 100 })).rejects.toMatchObject({
      code: "body_too_deep",
      status: 400,
    });
  });
});

describe("parseMultipart", () => {
  test("reads fields, expanding nested keys", async () => {
    const { body, contentType } = encodeMultipart([
      ["action", "create"],
      ["object[id]", "1"],
      ["object[tags][]", "a"],
      ["object[tags][]", "b"],
    ]);
    await expect(parseMultipart(body, { "content-type": contentType }, limits)).resolves.toEqual({
      action: "create",
      object: { id: "1", tags: ["a", "b"] },
    });
  });

  test("files become UploadedFile buffers", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
    const body = multipart([
      { name: "caption", value: "hi" },
      { name: "image", value: png, filename: "a.png", type: "image/png" },
    ]);
    const parsed = await parseMultipart(body, headers, limits);
    expect(parsed["caption"]).toBe("hi");
    const image = parsed["image"];
    expect(isUploadedFile(image)).toBe(true);
    const file = image as UploadedFile;
    expect(file.filename).toBe("a.png");
    expect(file.mimeType).toBe("image/png");
    expect(file.encoding).toBe("7bit");
    expect(Buffer.isBuffer(file.data)).toBe(true);
    expect(file.data.equals(png)).toBe(true);
  });

  test("an empty file is an empty buffer", async () => {
    const parsed = await parseMultipart(multipart([{ name: "f", value: "", filename: "empty.txt", type: "text/plain" }]), headers, limits);
    expect((parsed["f"] as UploadedFile).data.length).toBe(0);
  });

  test("entries keep their order", async () => {
    const body = multipart([
      { name: "b", value: "1" },
      { name: "a", value: "x", filename: "x.txt" },
      { name: "c", value: "2" },
    ]);
    const entries = await parseMultipartEntries(body, headers, limits);
    expect(entries.map(([name]) => name)).toEqual(["b", "a", "c"]);
    expect(isUploadedFile(entries[1]?.[1])).toBe(true);
  });

  test("field values are decoded as UTF-8 by default", async () => {
    const parsed = await parseMultipart(multipart([{ name: "text", value: "日本語 👍" }]), headers, limits);
    expect(parsed["text"]).toBe("日本語 👍");
  });

  test("the Content-Type header is found in any case", async () => {
    const parsed = await parseMultipart(multipart([{ name: "a", value: "1" }]), { "Content-Type": headers["content-type"] }, limits);
    expect(parsed).toEqual({ a: "1" });
  });

  describe("limits → 413 body_too_large", () => {
    test("a file over maxFileSize", async () => {
      const body = multipart([{ name: "f", value: Buffer.alloc(limits.maxFileSize + 1, 1), filename: "big.bin" }]);
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    });

    test("a file of exactly maxFileSize is accepted", async () => {
      const body = multipart([{ name: "f", value: Buffer.alloc(limits.maxFileSize, 1), filename: "ok.bin" }]);
      const parsed = await parseMultipart(body, headers, limits);
      expect((parsed["f"] as UploadedFile).data.length).toBe(limits.maxFileSize);
    });

    test("a field of exactly maxFieldSize is accepted", async () => {
      const parsed = await parseMultipart(multipart([{ name: "long", value: "x".repeat(limits.maxFieldSize) }]), headers, limits);
      expect(parsed["long"]).toHaveLength(limits.maxFieldSize);
    });

    test("more files than maxFiles", async () => {
      const body = multipart([1, 2, 3].map((n) => ({ name: `f${n}`, value: "x", filename: `${n}.txt` })));
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    });

    test("more fields than maxFields", async () => {
      const body = multipart(Array.from({ length: limits.maxFields + 1 }, (_, n) => ({ name: `k${n}`, value: "v" })));
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    });

    test("more parts than files and fields allow together", async () => {
      const body = multipart([
        ...Array.from({ length: limits.maxFields }, (_, n) => ({ name: `k${n}`, value: "v" })),
        ...Array.from({ length: limits.maxFiles }, (_, n) => ({ name: `f${n}`, value: "x", filename: `${n}.txt` })),
        { name: "one-more", value: "v" },
      ]);
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    });

    test("several limits crossed in one body settle once, with the first", async () => {
      const body = multipart([
        { name: "big", value: Buffer.alloc(limits.maxFileSize + 10, 1), filename: "big.bin" },
        ...[1, 2, 3].map((n) => ({ name: `f${n}`, value: "x", filename: `${n}.txt` })),
      ]);
      const error = await parseMultipart(body, headers, limits).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "body_too_large" });
      expect((error as Error).message).toContain(`a file over ${limits.maxFileSize} bytes`);
    });

    test("a field over maxFieldSize", async () => {
      const body = multipart([{ name: "long", value: "x".repeat(limits.maxFieldSize + 1) }]);
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    });
  });

  describe("malformed → 400", () => {
    test("no boundary parameter", async () => {
      await expect(
        parseMultipart(multipart([{ name: "a", value: "1" }]), { "content-type": "multipart/form-data" }, limits),
      ).rejects.toMatchObject({
        status: 400,
        code: "malformed_body",
      });
    });

    test("no Content-Type at all", async () => {
      await expect(parseMultipart(Buffer.from("x"), {}, limits)).rejects.toMatchObject({ status: 400, code: "malformed_body" });
    });

    test("a body cut short", async () => {
      const body = multipart([{ name: "a", value: "1" }]);
      await expect(parseMultipart(body.subarray(0, body.length - 12), headers, limits)).rejects.toMatchObject({
        status: 400,
        code: "malformed_body",
      });
    });

    test("a boundary that does not match the body", async () => {
      const body = multipart([{ name: "a", value: "1" }], "other-boundary");
      await expect(parseMultipart(body, headers, limits)).rejects.toMatchObject({ status: 400, code: "malformed_body" });
    });
  });
});

describe("isUploadedFile", () => {
  test("tells files from other values", () => {
    expect(isUploadedFile({ filename: "a", mimeType: "x", encoding: "7bit", data: Buffer.alloc(0) })).toBe(true);
    expect(isUploadedFile({ data: Buffer.alloc(0) })).toBe(false);
    expect(isUploadedFile({ filename: "a", data: "x" })).toBe(false);
    expect(isUploadedFile(null)).toBe(false);
    expect(isUploadedFile("a")).toBe(false);
  });
});
