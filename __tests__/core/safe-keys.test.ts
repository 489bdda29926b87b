import { parseJson } from "../../lib/core/request/content-types/json.js";
import { parseMultipart } from "../../lib/core/request/content-types/multipart.js";
import { expandNestedKeys } from "../../lib/core/request/content-types/nested-keys.js";
import { adoptParsedBody } from "../../lib/core/request/content-types/parse-body.js";
import { isUnsafeKey, stripUnsafeKeys } from "../../lib/core/request/content-types/safe-keys.js";
import { parseUrlencoded } from "../../lib/core/request/content-types/urlencoded.js";
import { encodeMultipart } from "../../lib/testing/encode.js";

const limits = { maxFileSize: 1024, maxFiles: 2, maxFields: 20, maxFieldSize: 1024 };

/** Merges the way a user's naive deep merge would: the reason unsafe keys must go. */
function naiveMerge(target: Record<string, unknown>, source: unknown): void {
  if (typeof source !== "object" || source === null) return;
  for (const key in source) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) {
      if (typeof target[key] !== "object" || target[key] === null) target[key] = {};
      naiveMerge(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
}

function hasOwnDeep(value: unknown, key: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Object.hasOwn(value, key)) return true;
  return Object.values(value).some((child) => hasOwnDeep(child, key));
}

afterEach(() => {
  // Belt and braces: nothing here may have polluted the real prototype.
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  delete (Object.prototype as Record<string, unknown>)["polluted"];
});

describe("isUnsafeKey", () => {
  test.each(["__proto__", "constructor", "prototype"])("%p is unsafe", (key) => {
    expect(isUnsafeKey(key)).toBe(true);
  });
  test.each(["proto", "__proto", "Constructor", "toString", ""])("%p is safe", (key) => {
    expect(isUnsafeKey(key)).toBe(false);
  });
});

describe("stripUnsafeKeys", () => {
  test("removes unsafe keys at any depth, in arrays too", () => {
    const value = JSON.parse(
      '{"a":{"__proto__":{"x":1},"b":[{"constructor":{"prototype":{"x":1}},"ok":1}]},"prototype":1,"keep":2}',
    ) as unknown;
    stripUnsafeKeys(value);
    expect(value).toEqual({ a: { b: [{ ok: 1 }] }, keep: 2 });
  });

  test("leaves scalars and null alone", () => {
    expect(() => {
      stripUnsafeKeys(null);
      stripUnsafeKeys(1);
      stripUnsafeKeys("__proto__");
    }).not.toThrow();
  });
});

describe("no prototype pollution", () => {
  test("JSON: __proto__, constructor and prototype keys are removed", () => {
    const parsed = parseJson(Buffer.from('{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}}},"b":1}'));
    expect(parsed).toEqual({ a: {}, b: 1 });
    naiveMerge({}, parsed);
  });

  test("JSON: keys written with unicode escapes are removed too", () => {
    const proto = parseJson(Buffer.from('{"\\u005f_proto__":{"polluted":1},"ok":1}'));
    expect(hasOwnDeep(proto, "__proto__")).toBe(false);
    expect(proto).toEqual({ ok: 1 });
    naiveMerge({}, proto);
    const ctor = parseJson(Buffer.from('{"a":{"constructo\\u0072":{"protot\\u0079pe":{"polluted":1}}}}'));
    expect(hasOwnDeep(ctor, "constructor")).toBe(false);
    naiveMerge({}, ctor);
  });

  test("JSON: whitespace before the colon does not hide a key", () => {
    const parsed = parseJson(Buffer.from('{"__proto__"  \n :{"polluted":1}}'));
    expect(hasOwnDeep(parsed, "__proto__")).toBe(false);
  });

  test("urlencoded: __proto__[x]=1 and constructor[prototype][x]=1 are dropped", () => {
    const parsed = parseUrlencoded(
      Buffer.from("__proto__[polluted]=1&constructor[prototype][polluted]=1&a[__proto__][polluted]=1&__proto__=x&ok=1"),
      {
        maxFields: 10,
      },
    );
    expect(parsed).toEqual({ ok: "1" });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    naiveMerge({}, parsed);
  });

  test("urlencoded: percent-encoded brackets do not sneak a key through", () => {
    const parsed = parseUrlencoded(Buffer.from("__proto__%5Bpolluted%5D=1&a%5Bconstructor%5D%5Bprototype%5D%5Bpolluted%5D=1"), {
      maxFields: 10,
    });
    expect(parsed).toEqual({});
  });

  test("multipart: unsafe field names are dropped", async () => {
    const { body, contentType } = encodeMultipart([
      ["__proto__[polluted]", "1"],
      ["constructor[prototype][polluted]", "1"],
      ["ok", "1"],
    ]);
    const parsed = await parseMultipart(body, { "content-type": contentType }, limits);
    expect(parsed).toEqual({ ok: "1" });
    naiveMerge({}, parsed);
  });

  test("a body parsed by another middleware is cleaned too", () => {
    const json = JSON.parse('{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}}}}') as object;
    expect(adoptParsedBody(json, "json")).toEqual({ a: {} });
    const flat = Object.assign(Object.create(null) as Record<string, unknown>, {
      "__proto__[polluted]": "1",
      "a[constructor][prototype]": "1",
      ok: "1",
    });
    expect(adoptParsedBody(flat, "urlencoded")).toEqual({ ok: "1" });
    expect(expandNestedKeys([["prototype", "1"]])).toEqual({});
    // A qs-style parser configured with allowPrototypes hands over nested own __proto__ keys.
    const nested = { a: JSON.parse('{"__proto__":{"polluted":1},"b":"1"}') as unknown };
    const adopted = adoptParsedBody(nested, "urlencoded");
    expect(hasOwnDeep(adopted, "__proto__")).toBe(false);
    expect(adopted).toEqual({ a: { b: "1" } });
  });
});
