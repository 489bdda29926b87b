import { expandFlatObject, expandNestedKeys, splitKey } from "../../lib/core/content-types/nested-keys.js";

describe("splitKey", () => {
  test.each([
    ["a", ["a"]],
    ["a[b]", ["a", "b"]],
    ["a[b][0][]", ["a", "b", "0", ""]],
    ["[a]", ["[a]"]],
    ["a[b", ["a[b"]],
    ["a[b]c]", ["a[b]c]"]],
    ["a]", ["a]"]],
  ])("%p → %p", (key, segments) => {
    expect(splitKey(key)).toEqual(segments);
  });

  test("nesting deeper than 32 levels stays in the last key", () => {
    const key = "a" + "[x]".repeat(40);
    const segments = splitKey(key);
    expect(segments.length).toBe(33);
    expect(segments[0]).toBe("a");
    expect(segments[32]).toBe("x" + "[x]".repeat(8));
  });
});

describe("expandNestedKeys", () => {
  test("nests objects", () => {
    expect(
      expandNestedKeys([
        ["a[b][c]", "1"],
        ["a[b][d]", "2"],
        ["e", "3"],
      ]),
    ).toEqual({ a: { b: { c: "1", d: "2" } }, e: "3" });
  });

  test("a[] and a[0] make arrays", () => {
    expect(
      expandNestedKeys([
        ["a[]", "1"],
        ["a[]", "2"],
      ]),
    ).toEqual({ a: ["1", "2"] });
    expect(
      expandNestedKeys([
        ["a[1]", "y"],
        ["a[0]", "x"],
      ]),
    ).toEqual({ a: ["x", "y"] });
    expect(expandNestedKeys([["a[]", "only"]])).toEqual({ a: ["only"] });
  });

  test("arrays of objects", () => {
    expect(
      expandNestedKeys([
        ["items[0][id]", "1"],
        ["items[0][name]", "one"],
        ["items[1][id]", "2"],
      ]),
    ).toEqual({ items: [{ id: "1", name: "one" }, { id: "2" }] });
  });

  test("a repeated plain key collects into an array", () => {
    expect(
      expandNestedKeys([
        ["tag", "a"],
        ["tag", "b"],
        ["tag", "c"],
      ]),
    ).toEqual({ tag: ["a", "b", "c"] });
  });

  test("an index above 1000 is an object key, not a huge sparse array", () => {
    expect(expandNestedKeys([["a[5000]", "x"]])).toEqual({ a: { "5000": "x" } });
  });

  test("a named key inside an array is kept", () => {
    const result = expandNestedKeys([
      ["a[]", "1"],
      ["a[name]", "n"],
    ]);
    expect(Array.isArray(result["a"])).toBe(true);
    expect(result["a"]).toMatchObject({ 0: "1", name: "n" });
  });

  test("keys named like Object.prototype members are plain data", () => {
    const result = expandNestedKeys([
      ["toString", "1"],
      ["valueOf[x]", "2"],
      ["hasOwnProperty", "3"],
    ]);
    expect(result).toEqual({ toString: "1", valueOf: { x: "2" }, hasOwnProperty: "3" });
  });

  test("an array's length cannot be set from a key", () => {
    const result = expandNestedKeys([
      ["a[]", "1"],
      ["a[length]", "100000000"],
      ["b[]", "1"],
      ["b[length][x]", "1"],
    ]);
    expect((result["a"] as unknown[]).length).toBe(1);
    expect((result["b"] as unknown[]).length).toBe(1);
  });

  test("keys named like Array.prototype methods do not break later pushes", () => {
    const result = expandNestedKeys([
      ["a[]", "1"],
      ["a[push]", "x"],
      ["a[]", "2"],
      ["t", "1"],
      ["t[push]", "y"],
      ["t", "2"],
    ]);
    expect([...(result["a"] as unknown[])]).toEqual(["1", "2"]);
  });

  test("values may be any value (multipart files)", () => {
    const file = { filename: "a.txt", data: Buffer.from("x") };
    expect(expandNestedKeys([["doc[file]", file]])).toEqual({ doc: { file } });
  });
});

describe("expandFlatObject (a body another middleware parsed)", () => {
  test("expands flat bracket keys", () => {
    expect(expandFlatObject({ "object[id]": "1", "object[content]": "hi", action: "create" })).toEqual({
      object: { id: "1", content: "hi" },
      action: "create",
    });
  });

  test("a repeated flat bracket key (querystring's array) is spread like repeated fields", () => {
    expect(expandFlatObject({ "tags[]": ["a", "b"] })).toEqual({ tags: ["a", "b"] });
    expect(expandFlatObject({ "tags[]": "a" })).toEqual({ tags: ["a"] });
  });

  test("a repeated plain key stays an array", () => {
    expect(expandFlatObject({ tag: ["a", "b"] })).toEqual({ tag: ["a", "b"] });
  });

  test("an already nested body (qs) is kept as it is", () => {
    expect(expandFlatObject({ object: { tags: ["only"] } })).toEqual({ object: { tags: ["only"] } });
    expect(expandFlatObject({ tags: ["only"] })).toEqual({ tags: ["only"] });
    expect(expandFlatObject({ items: [{ id: "1" }, { id: "2" }] })).toEqual({ items: [{ id: "1" }, { id: "2" }] });
  });

  test("a null-prototype object (querystring.parse) is read", () => {
    const flat = Object.assign(Object.create(null) as Record<string, unknown>, { "a[b]": "1" });
    expect(expandFlatObject(flat)).toEqual({ a: { b: "1" } });
  });
});
