import { errorOf } from "../fixtures/mount.js";
import { decodeText } from "../../lib/core/request/content-types/decode-text.js";

describe("decodeText", () => {
  test("defaults to UTF-8", () => {
    expect(decodeText(Buffer.from("héllo wörld 👍", "utf8"))).toBe("héllo wörld 👍");
  });

  test("charset labels are case-insensitive", () => {
    expect(decodeText(Buffer.from("abc"), "UTF-8")).toBe("abc");
    expect(decodeText(Buffer.from("abc"), "utf8")).toBe("abc");
  });

  test("decodes Shift_JIS", () => {
    // "日本語" in Shift_JIS.
    const sjis = Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]);
    expect(decodeText(sjis, "Shift_JIS")).toBe("日本語");
    expect(decodeText(sjis, "shift_jis")).toBe("日本語");
  });

  test("decodes UTF-16LE", () => {
    expect(decodeText(Buffer.from("日本語 ok", "utf16le"), "utf-16le")).toBe("日本語 ok");
  });

  test("decodes latin1 (windows-1252 per WHATWG)", () => {
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "iso-8859-1")).toBe("café");
  });

  test("an unsupported charset is a 415 unsupported_charset naming it", () => {
    const error = errorOf(() => decodeText(Buffer.from("x"), "x-martian"));
    expect(error).toMatchObject({ status: 415, code: "unsupported_charset" });
    expect((error as Error).message).toContain("x-martian");
  });

  test("bytes invalid in the charset are a 400 malformed_body, not replaced text", () => {
    const error = errorOf(() => decodeText(Buffer.from([0x61, 0xff, 0xfe, 0x62])));
    expect(error).toMatchObject({ status: 400, code: "malformed_body" });
    expect(errorOf(() => decodeText(Buffer.from([0x82]), "shift_jis"))).toMatchObject({ code: "malformed_body" });
  });

  test("a decoder is reusable after a failure", () => {
    expect(() => decodeText(Buffer.from([0xc3]))).toThrow();
    expect(decodeText(Buffer.from("fine"))).toBe("fine");
  });
});
