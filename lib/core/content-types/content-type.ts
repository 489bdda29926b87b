export interface ContentType {
  /** Lower-case media type, e.g. "application/json"; "" when the header is absent. */
  type: string;
  /** Lower-case parameter names; values unquoted. */
  params: Record<string, string>;
}

const EMPTY: ContentType = { type: "", params: {} };

/** Parses a Content-Type header liberally (RFC 9110 media-type with parameters). */
export function parseContentType(header: string | undefined): ContentType {
  if (!header) return EMPTY;
  const semi = header.indexOf(";");
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  if (semi !== -1) {
    for (const part of header.slice(semi + 1).split(";")) {
      const eq = part.indexOf("=");
      if (eq === -1) continue;
      const name = part.slice(0, eq).trim().toLowerCase();
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
        value = value.slice(1, -1).replace(/\\(.)/g, "$1");
      }
      if (name && !(name in params)) params[name] = value;
    }
  }
  return { type, params };
}
