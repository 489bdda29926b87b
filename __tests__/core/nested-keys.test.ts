import { expandFlatObject, expandNestedKeys, splitKey } from "../../lib/core/request/content-types/nested-keys.js";

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

  test("a key is split only as far as asked: a long key is never split whole", () => {
    const key = "a" + "[x]".repeat(100_000);
    expect(splitKey(key, 32)).toHaveLength(33);
    expect(splitKey("a[x][y]", 32)).toEqual(["a", "x", "y"]);
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

  test("an index of 20 or more (qs's arrayLimit: 20 indexes) is an object key, not a sparse array", () => {
    expect(expandNestedKeys([["a[5000]", "x"]])).toEqual({ a: { "5000": "x" } });
    expect(expandNestedKeys([["a[20]", "x"]])).toEqual({ a: { "20": "x" } });
    expect(expandNestedKeys([["a[19]", "x"]])).toEqual({ a: ["x"] });
  });

  test("an object then a value collects both; [] on an object appends under the next integer key (qs)", () => {
    expect(read("a[b]=c&a=d")).toEqual({ a: [{ b: "c" }, "d"] });
    expect(read("foo[bad]=baz&foo[]=bar&foo[]=foo")).toEqual({ foo: { bad: "baz", "0": "bar", "1": "foo" } });
  });

  test("a named key inside an array makes it an object keyed by its indexes (qs)", () => {
    expect(
      expandNestedKeys([
        ["a[]", "1"],
        ["a[name]", "n"],
      ]),
    ).toEqual({ a: { "0": "1", name: "n" } });
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
    expect(result).toEqual({ a: { "0": "1", length: "100000000" }, b: { "0": "1", length: { x: "1" } } });
  });

  test("keys named like Array.prototype methods are plain keys", () => {
    const result = expandNestedKeys([
      ["a[]", "1"],
      ["a[push]", "x"],
      ["t", "1"],
      ["t[push]", "y"],
      ["t", "2"],
    ]);
    expect(result).toEqual({ a: { "0": "1", push: "x" }, t: ["1", { push: "y" }, "2"] });
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

/** Fields of a form body as written on the wire ("&"-separated, "=" between key and value; no escapes needed here). */
function fields(form: string): [string, string][] {
  return form.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    return eq === -1 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

const read = (form: string, limits?: Parameters<typeof expandNestedKeys>[1]) => expandNestedKeys(fields(form), limits);

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
}

describe("the shapes Rails' to_query writes read back as Rack reads them", () => {
  test("an array of hashes: x[y][][z]=1&x[y][][w]=2 is one element", () => {
    expect(read("x[y][][z]=1&x[y][][w]=2")).toEqual({ x: { y: [{ z: "1", w: "2" }] } });
  });

  test("an array of hashes with the same keys: a new element starts when the last one has the key", () => {
    // [{ w: 2, z: 1 }, { w: 4, z: 3 }].to_query("a"): keys sorted within each hash.
    expect(read("a[][w]=2&a[][z]=1&a[][w]=4&a[][z]=3")).toEqual({
      a: [
        { w: "2", z: "1" },
        { w: "4", z: "3" },
      ],
    });
    expect(read("a[][z]=1&a[][z]=2")).toEqual({ a: [{ z: "1" }, { z: "2" }] });
  });

  test("hashes nested in array elements, and arrays in them", () => {
    // { a: [{ id: 1, tags: ["x", "y"], user: { id: 5 } }, { id: 2, tags: ["z"] }] }.to_query
    expect(read("a[][id]=1&a[][tags][]=x&a[][tags][]=y&a[][user][id]=5&a[][id]=2&a[][tags][]=z")).toEqual({
      a: [
        { id: "1", tags: ["x", "y"], user: { id: "5" } },
        { id: "2", tags: ["z"] },
      ],
    });
    // The deeper path is what is looked for: a[][user][id] twice starts a second element.
    expect(read("a[][user][id]=1&a[][user][name]=n&a[][user][id]=2")).toEqual({
      a: [{ user: { id: "1", name: "n" } }, { user: { id: "2" } }],
    });
  });

  test("arrays of arrays, plain arrays, nil and nested hashes", () => {
    expect(read("a[][]=1&a[][]=2")).toEqual({ a: [["1", "2"]] });
    expect(read("object[tags][]=a&object[tags][]=b&object[room][id]=3&object[drive_id]=")).toEqual({
      object: { tags: ["a", "b"], room: { id: "3" }, drive_id: "" },
    });
  });
});

describe("the shapes qs writes read back as qs reads them", () => {
  test("indices, brackets and repeats", () => {
    expect(read("a[0]=b&a[1]=c")).toEqual({ a: ["b", "c"] });
    expect(read("a[]=b&a[]=c")).toEqual({ a: ["b", "c"] });
    expect(read("a=b&a=c")).toEqual({ a: ["b", "c"] });
    expect(read("a[0][b]=c&a[0][d]=e&a[1][b]=f")).toEqual({ a: [{ b: "c", d: "e" }, { b: "f" }] });
    expect(read("a[b][0]=c&a[b][1]=d")).toEqual({ a: { b: ["c", "d"] } });
  });

  test("a plain value then an array (a=b&a[]=c) is one array, as qs reads it", () => {
    expect(read("a=b&a[]=c")).toEqual({ a: ["b", "c"] });
    expect(read("a[]=b&a=c")).toEqual({ a: ["b", "c"] });
    expect(read("a=b&a[0]=c")).toEqual({ a: ["b", "c"] });
  });

  test("holes are compacted, in index order", () => {
    expect(read("a[1]=b")).toEqual({ a: ["b"] });
    expect(read("a[1]=c&a[0]=b")).toEqual({ a: ["b", "c"] });
    expect(read("a[1]=b&a[15]=c")).toEqual({ a: ["b", "c"] });
    expect(read("a[0]=b&a[0]=c")).toEqual({ a: ["b", "c"] });
  });
});

describe("attack shapes cost memory in proportion to the body", () => {
  test("a[2]=b&a[99999999]=c is an object with two keys, never a giant array", () => {
    const result = read("a[2]=b&a[99999999]=c");
    expect(result).toEqual({ a: { "2": "b", "99999999": "c" } });
    expect(Array.isArray(result["a"])).toBe(false);
  });

  test("an index alone past the limit, or written with leading zeros, is a name", () => {
    expect(read("a[99999999]=c")).toEqual({ a: { "99999999": "c" } });
    expect(read("a[01]=c")).toEqual({ a: { "01": "c" } });
  });

  test("a[1000][1000]… holds no array at all", () => {
    const key = "a" + "[1000]".repeat(30);
    const result = read(`${key}=x`);
    let node: unknown = result["a"];
    for (let i = 0; i < 30; i++) {
      expect(Array.isArray(node)).toBe(false);
      node = (node as Record<string, unknown>)["1000"];
    }
    expect(node).toBe("x");
  });

  test("no array anywhere holds more slots than items", () => {
    const result = read(Array.from({ length: 200 }, (_, i) => `a[${i % 7}][${19 - (i % 20)}]=v`).join("&"));
    const pending: unknown[] = [result];
    while (pending.length > 0) {
      const node = pending.pop();
      if (typeof node !== "object" || node === null) continue;
      if (Array.isArray(node)) expect(Object.keys(node)).toHaveLength(node.length);
      pending.push(...(Object.values(node) as unknown[]));
    }
  });

  test("a key nesting deeper than maxDepth is refused: 400 body_too_deep", () => {
    expect(read("a" + "[x]".repeat(4) + "=1", { maxDepth: 5, maxContainers: 100 })).toEqual({ a: { x: { x: { x: { x: "1" } } } } });
    expect(errorOf(() => read("a" + "[x]".repeat(5) + "=1", { maxDepth: 5, maxContainers: 100 }))).toMatchObject({
      status: 400,
      code: "body_too_deep",
    });
    // The default (64): a key of 100,000 levels is refused without being split whole.
    expect(errorOf(() => read("a" + "[x]".repeat(100_000) + "=1"))).toMatchObject({ code: "body_too_deep" });
  });

  test("more objects and arrays than maxContainers across the whole body: 413 body_too_large", () => {
    const limits = { maxDepth: 64, maxContainers: 50 };
    // The root and 49 more fit.
    expect(() => read(Array.from({ length: 49 }, (_, i) => `k${i}[x]=1`).join("&"), limits)).not.toThrow();
    expect(errorOf(() => read(Array.from({ length: 50 }, (_, i) => `k${i}[x]=1`).join("&"), limits))).toMatchObject({
      status: 413,
      code: "body_too_large",
    });
    // Nested ones count too, not only top-level fields.
    expect(errorOf(() => read("a" + "[x]".repeat(50) + "=1", { maxDepth: 64, maxContainers: 50 }))).toMatchObject({
      code: "body_too_large",
    });
  });
});
