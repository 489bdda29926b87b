import { isUnsafeKey } from "./safe-keys.js";

export interface ContentType {
  /** Lower-case media type, e.g. "application/json"; "" when the header is absent. */
  type: string;
  /** Lower-case parameter names; values unquoted. */
  params: Record<string, string>;
}

const EMPTY: ContentType = { type: "", params: {} };

/**
 * A quoted-string's content from `start` (just past its opening quote), unescaped, and
 * where it ends. An unterminated one runs to the end of the header.
 */
function readQuoted(header: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start;
  while (i < header.length && header[i] !== '"') {
    if (header[i] === "\\" && i + 1 < header.length) i++;
    value += header.charAt(i);
    i++;
  }
  return { value, end: i };
}

/** The `name=value` pairs after the media type; a quoted value may hold `;` and `=`. */
function readParameters(header: string, start: number): [string, string][] {
  const found: [string, string][] = [];
  let i = start;
  while (i < header.length) {
    let eq = i;
    while (eq < header.length && header[eq] !== "=" && header[eq] !== ";") eq++;
    const name = header.slice(i, eq).trim().toLowerCase();
    // A parameter without a value is skipped.
    if (header[eq] !== "=") {
      i = eq + 1;
      continue;
    }
    let valueStart = eq + 1;
    while (header[valueStart] === " " || header[valueStart] === "\t") valueStart++;
    let value: string;
    let next: number;
    if (header[valueStart] === '"') {
      const quoted = readQuoted(header, valueStart + 1);
      value = quoted.value;
      // Anything between the closing quote and the next ";" is not part of the value.
      next = header.indexOf(";", quoted.end);
    } else {
      next = header.indexOf(";", valueStart);
      value = header.slice(valueStart, next === -1 ? undefined : next).trim();
    }
    found.push([name, value]);
    i = next === -1 ? header.length : next + 1;
  }
  return found;
}

/** Parses a Content-Type header liberally (RFC 9110 media-type with parameters). */
export function parseContentType(header: string | undefined): ContentType {
  if (!header) return EMPTY;
  const semi = header.indexOf(";");
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  if (semi !== -1) {
    for (const [name, value] of readParameters(header, semi + 1)) {
      // Own keys only: "constructor" must not count as already set, nor "__proto__" be set.
      if (name && !isUnsafeKey(name) && !Object.hasOwn(params, name)) params[name] = value;
    }
  }
  return { type, params };
}
