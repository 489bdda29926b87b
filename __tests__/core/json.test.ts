import { errorOf } from "../fixtures/mount.js";
import { parseJson } from "../../lib/core/request/content-types/json.js";
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

describe("parseJson: depth and size of what is built (issue 12)", () => {
  const limits = { maxDepth: 64, maxContainers: 10_000 };

  test("V8's JSON.parse itself takes 100,000 levels (it is not recursive), but JSON.stringify of them overflows", () => {
    const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000)) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
  });

  test.each([
    ["arrays", "[".repeat(100_000) + "]".repeat(100_000)],
    ["objects", '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)],
    ["unterminated", "[".repeat(100_000)],
  ])("100,000 levels of %s: 400 body_too_deep before parsing, no stack overflow", (_, text) => {
    expect(errorOf(() => parseJson(bytes(text), undefined, limits))).toMatchObject({ status: 400, code: "body_too_deep" });
  });

  test("maxDepth levels are accepted, one more is refused", () => {
    expect(parseJson(bytes("[".repeat(64) + "]".repeat(64)), undefined, limits)).toBeInstanceOf(Array);
    expect(errorOf(() => parseJson(bytes("[".repeat(65) + "]".repeat(65)), undefined, limits))).toMatchObject({ code: "body_too_deep" });
    expect(errorOf(() => parseJson(bytes('{"a":'.repeat(5) + "1" + "}".repeat(5)), undefined, { ...limits, maxDepth: 4 }))).toMatchObject({
      code: "body_too_deep",
    });
  });

  test("brackets inside strings (also after escaped quotes and backslashes) do not count", () => {
    const text = JSON.stringify({ a: "[".repeat(1000), b: '\\"[[[' + "{".repeat(500), c: "\\" });
    expect(parseJson(bytes(text), undefined, limits)).toEqual(JSON.parse(text));
  });

  test("more objects and arrays than the budget (four values counting as one): 413 body_too_large", () => {
    const objects = (count: number) => "[" + Array<string>(count).fill("{}").join(",") + "]";
    // 5,000 objects, 4,999 commas (a quarter each), the outer array: within 10,000.
    expect(parseJson(bytes(objects(5000)), undefined, limits)).toHaveLength(5000);
    expect(errorOf(() => parseJson(bytes(objects(9000)), undefined, limits))).toMatchObject({ status: 413, code: "body_too_large" });
    const zeros = (count: number) => "[" + Array<string>(count).fill("0").join(",") + "]";
    expect(parseJson(bytes(zeros(39_000)), undefined, limits)).toHaveLength(39_000);
    expect(errorOf(() => parseJson(bytes(zeros(41_000)), undefined, limits))).toMatchObject({ code: "body_too_large" });
  });
});
