import { errorOf } from "../fixtures/mount.js";
import { parseUrlencoded, parseUrlencodedEntries } from "../../lib/core/request/content-types/urlencoded.js";

const form = (text: string): Buffer => Buffer.from(text, "latin1");
const options = { maxFields: 100 };

describe("parseUrlencodedEntries", () => {
  test("splits pairs in order, keeping repeated keys", () => {
    expect(parseUrlencodedEntries(form("a=1&b=2&a=3"), options)).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["a", "3"],
    ]);
  });

  test("decodes percent escapes and plus signs", () => {
    expect(parseUrlencodedEntries(form("greeting=hello+world%21&k%5By%5D=%E3%81%82"), options)).toEqual([
      ["greeting", "hello world!"],
      ["k[y]", "あ"],
    ]);
  });

  test("a key without = has an empty value; empty pairs are skipped", () => {
    expect(parseUrlencodedEntries(form("flag&&a=&=v"), options)).toEqual([
      ["flag", ""],
      ["a", ""],
      ["", "v"],
    ]);
  });

  test("a stray or truncated % stays literal", () => {
    expect(parseUrlencodedEntries(form("p=100%&q=%zz&r=%4"), options)).toEqual([
      ["p", "100%"],
      ["q", "%zz"],
      ["r", "%4"],
    ]);
  });

  test("an empty body has no fields", () => {
    expect(parseUrlencodedEntries(form(""), options)).toEqual([]);
  });

  test("decodes escapes in the given charset", () => {
    // "日本" in Shift_JIS is 93 FA 96 7B.
    expect(parseUrlencodedEntries(form("name=%93%FA%96%7B"), { charset: "shift_jis", maxFields: 10 })).toEqual([["name", "日本"]]);
  });

  test("reads a Uint8Array view at an offset", () => {
    const backing = Buffer.from("xxxxa=1&b=2");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, backing.length - 4);
    expect(parseUrlencodedEntries(view, options)).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
  });

  test("invalid UTF-8 after decoding is a 400 malformed_body", () => {
    expect(errorOf(() => parseUrlencodedEntries(form("a=%FF%FE"), options))).toMatchObject({ status: 400, code: "malformed_body" });
  });

  test("more fields than maxFields is a 413", () => {
    expect(parseUrlencodedEntries(form("a=1&b=2&c=3"), { maxFields: 3 })).toHaveLength(3);
    expect(errorOf(() => parseUrlencodedEntries(form("a=1&b=2&c=3&d=4"), { maxFields: 3 }))).toMatchObject({
      status: 413,
      code: "body_too_large",
    });
  });
});

describe("parseUrlencoded", () => {
  test("expands Rails-style nested keys", () => {
    const body =
      "action=create&object_name=Message&object%5Bid%5D=1&object%5Bcontent%5D=hi&object%5Btags%5D%5B%5D=a&object%5Btags%5D%5B%5D=b";
    expect(parseUrlencoded(form(body), options)).toEqual({
      action: "create",
      object_name: "Message",
      object: { id: "1", content: "hi", tags: ["a", "b"] },
    });
  });

  test("Rails' to_query of an array of hashes (escaped brackets) reads back as one element per hash", () => {
    // { object: { attachments: [{ id: 1, name: "a" }, { id: 2, name: "b" }] } }.to_query
    const body =
      "object%5Battachments%5D%5B%5D%5Bid%5D=1&object%5Battachments%5D%5B%5D%5Bname%5D=a&object%5Battachments%5D%5B%5D%5Bid%5D=2&object%5Battachments%5D%5B%5D%5Bname%5D=b";
    expect(parseUrlencoded(form(body), options)).toEqual({
      object: {
        attachments: [
          { id: "1", name: "a" },
          { id: "2", name: "b" },
        ],
      },
    });
  });

  test("a[2]=b&a[99999999]=c: an object of two keys; a key past maxDepth: 400", () => {
    expect(parseUrlencoded(form("a%5B2%5D=b&a%5B99999999%5D=c"), options)).toEqual({ a: { "2": "b", "99999999": "c" } });
    expect(() => parseUrlencoded(form("a" + "%5Bb%5D".repeat(8) + "=1"), options, { maxDepth: 8, maxContainers: 100 })).toThrow(
      expect.objectContaining({ code: "body_too_deep", status: 400 }) as Error,
    );
  });

  test("a single field holding JSON stays a string", () => {
    const json = JSON.stringify({ action: "create" });
    expect(parseUrlencoded(form(`payload=${encodeURIComponent(json)}`), options)).toEqual({ payload: json });
  });
});
