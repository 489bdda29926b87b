const KNOWN = new Set(["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"]);

/** `http.request.method` as the semantic conventions want it: a known method, or `"_OTHER"`. */
export function requestMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN.has(upper) ? upper : "_OTHER";
}
