import { randomBytes } from "node:crypto";

/** Content types a sample can be encoded in. */
export type SampleContentType =
  "application/json" | "application/vnd.api+json" | "application/x-www-form-urlencoded" | "multipart/form-data";

/** Flattens `{ a: { b: [1] } }` into Rails-style form fields `[["a[b][]", "1"]]`. */
export function toFormFields(value: unknown, prefix = ""): [string, string][] {
  if (value === null || value === undefined) return prefix ? [[prefix, ""]] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return value.flatMap((item, index) =>
      toFormFields(item, typeof item === "object" && item !== null ? `${prefix}[${index}]` : `${prefix}[]`),
    );
  }
  if (typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => toFormFields(item, prefix ? `${prefix}[${key}]` : key));
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only primitives are left: objects and arrays are handled above
  return [[prefix, String(value)]];
}

export function encodeUrlencoded(fields: readonly (readonly [string, string])[]): string {
  return fields.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&");
}

/** Encodes fields as `multipart/form-data`; returns the body and its Content-Type. */
export function encodeMultipart(fields: readonly (readonly [string, string])[]): { body: Buffer; contentType: string } {
  const boundary = `----ewr${randomBytes(12).toString("hex")}`;
  const parts = fields.map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, "%22")}"\r\n\r\n${value}\r\n`,
  );
  return { body: Buffer.from(`${parts.join("")}--${boundary}--\r\n`, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A plain object merge: `patch` wins, nested objects merge, arrays are replaced, and a
 * key set to `undefined` in `patch` is removed (to build payloads missing a field).
 */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return (patch === undefined ? base : patch) as T;
  if (typeof base !== "object" || base === null || Array.isArray(base)) return patch as T;
  const merged = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (key === "__proto__" || key === "constructor") continue;
    if (value === undefined) merged.delete(key);
    else merged.set(key, deepMerge(merged.get(key), value));
  }
  return Object.fromEntries(merged) as T;
}
