import { errorOf } from "../fixtures/mount.js";
import { parseJson } from "../../lib/core/content-types/json.js";
import { isWebhookError } from "../../lib/core/errors.js";

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

describe("parseJson", () => {
  test("parses objects, arrays and scalars", () => {
    expect(parseJson(bytes('{"a":{"b":[1,"x",null,true]}}'))).toEqual({ a: { b: [1, "x", null, true] } });
    expect(parseJson(bytes("[1,2]"))).toEqual([1, 2]);
    expect(parseJson(bytes('"s"'))).toBe("s");
  });

  test("decodes UTF-8 text, including emoji", () => {
    expect(parseJson(bytes('{"text":"こんにちは 👍"}'))).toEqual({ text: "こんにちは 👍" });
  });

  test("decodes the given charset", () => {
    const utf16 = Buffer.from('{"text":"héllo"}', "utf16le");
    expect(parseJson(utf16, "utf-16le")).toEqual({ text: "héllo" });
  });

  test("a UTF-8 byte-order mark is skipped", () => {
    expect(parseJson(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}')]))).toEqual({ a: 1 });
  });

  test("invalid JSON is a 400 malformed_body with the parse error as cause", () => {
    const error = errorOf(() => parseJson(bytes('{"a":')));
    expect(isWebhookError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: "malformed_body" });
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  test("an unsupported charset is a 415", () => {
    expect(errorOf(() => parseJson(bytes("{}"), "x-klingon"))).toMatchObject({ status: 415, code: "unsupported_charset" });
  });
});
