import { parseContentType } from "../../lib/core/request/content-types/content-type.js";
import { formatOf, unsupportedType, type BodyParsing } from "../../lib/core/request/content-types/parse-body.js";

describe("parseContentType", () => {
  test("an absent or empty header is no type", () => {
    expect(parseContentType(undefined)).toEqual({ type: "", params: {} });
    expect(parseContentType("")).toEqual({ type: "", params: {} });
  });

  test("lower-cases the type and parameter names, keeps values", () => {
    expect(parseContentType("Application/JSON; Charset=UTF-8")).toEqual({ type: "application/json", params: { charset: "UTF-8" } });
  });

  test("unquotes quoted values, with escapes", () => {
    expect(parseContentType('multipart/form-data; boundary="a b\\"c"')).toEqual({
      type: "multipart/form-data",
      params: { boundary: 'a b"c' },
    });
    expect(parseContentType('application/json; charset="utf-8"').params).toEqual({ charset: "utf-8" });
  });

  test("skips parameters without a value and keeps the first of repeated ones", () => {
    expect(parseContentType("text/plain; flag; charset=utf-8; charset=latin1; =x")).toEqual({
      type: "text/plain",
      params: { charset: "utf-8" },
    });
  });

  test("trims whitespace around the type and parameters", () => {
    expect(parseContentType("  application/json  ;  charset = utf-8 ")).toEqual({ type: "application/json", params: { charset: "utf-8" } });
  });
});

describe("formatOf", () => {
  const parsing: BodyParsing = {
    formats: ["json", "urlencoded", "multipart"],
    jsonAliases: ["text/plain", ""],
    maxFields: 10,
    multipart: { maxFileSize: 10, maxFiles: 1, maxFields: 1, maxFieldSize: 10 },
    maxDepth: 64,
  };

  test.each([
    ["application/json", "json"],
    ["application/vnd.api+json", "json"],
    ["application/merge-patch+json", "json"],
    ["text/plain", "json"],
    ["", "json"],
    ["application/x-www-form-urlencoded", "urlencoded"],
    ["multipart/form-data", "multipart"],
  ])("%p is read as %p", (type, format) => {
    expect(formatOf(type, parsing)).toBe(format);
  });

  test("types not accepted are undefined", () => {
    expect(formatOf("application/xml", parsing)).toBeUndefined();
    expect(formatOf("text/html", parsing)).toBeUndefined();
  });

  test("a format the provider does not send is undefined", () => {
    const jsonOnly = { ...parsing, formats: ["json"] as const, jsonAliases: [] };
    expect(formatOf("multipart/form-data", jsonOnly)).toBeUndefined();
    expect(formatOf("application/x-www-form-urlencoded", jsonOnly)).toBeUndefined();
    expect(formatOf("", jsonOnly)).toBeUndefined();
  });

  test("unsupportedType is a 415 naming the type, or none", () => {
    const error = unsupportedType({ type: "application/xml", params: {} });
    expect(error.status).toBe(415);
    expect(error.code).toBe("unsupported_media_type");
    expect(error.message).toContain("application/xml");
    expect(unsupportedType({ type: "", params: {} }).message).toContain('"none"');
    expect(unsupportedType({ type: "x/" + "y".repeat(500), params: {} }).message.length).toBeLessThan(200);
  });
});
