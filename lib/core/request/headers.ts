import type { HeaderMap } from "../types.js";

/**
 * A header's value by lower-case name. Node lower-cases incoming names; a caller of
 * `receive()` may not, so a miss falls back to a case-insensitive scan.
 */
export function getHeader(headers: HeaderMap, name: string): string | undefined {
  let value = headers[name];
  if (value === undefined) {
    for (const key in headers) {
      if (key.length === name.length && key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  if (typeof value === "number") return String(value);
  // Node joins repeated custom headers with ", "; a caller may hand us an array.
  return typeof value === "string" ? value : value.join(", ");
}
