import { parse as parseQueryString } from "node:querystring";
import type { Readable } from "node:stream";
import type { HeaderMap, WebhookRequest } from "../core/types.js";

/** What a `Request` does not carry, for the frameworks that know it. */
export interface FetchRequestInfo {
  /**
   * The client's address. A `Request` has none, so without it `allowIps` refuses every
   * request (403): give it from your runtime (Bun `server.requestIP(request)?.address`,
   * Deno `info.remoteAddr.hostname`, Hono on Node `c.env.incoming.socket.remoteAddress`).
   */
  remoteAddress?: string | undefined;
  /** Route parameters (`/hooks/:tenant` → `{ tenant }`): secret resolvers and `event.meta.params` get them. */
  params?: Readonly<Record<string, string>> | undefined;
}

/** A `Request` as the core sees it: lower-case headers, the query of its URL, its body as a Node stream. */
export class FetchWebhookRequest implements WebhookRequest {
  readonly #url: string;
  readonly method: string;
  readonly headers: HeaderMap;
  readonly stream: Readable | undefined;
  readonly remoteAddress: string | undefined;
  readonly params: Readonly<Record<string, string>> | undefined;

  constructor(request: Request, stream: Readable | undefined, info: FetchRequestInfo | undefined) {
    this.#url = request.url;
    this.method = request.method;
    this.headers = headersOf(request.headers);
    this.stream = stream;
    // Checked: Workers call fetch(request, env, ctx), so `info` may be any object.
    this.remoteAddress = typeof info?.remoteAddress === "string" ? info.remoteAddress : undefined;
    this.params = plainParams(info?.params);
  }

  /** Parsed as plain Node's and Express 5's default ("simple") query parser does: `?token=` reaches token auth. */
  get query(): Readonly<Record<string, unknown>> {
    const url = this.#url;
    const start = url.indexOf("?");
    if (start === -1) return {};
    const end = url.indexOf("#", start);
    return parseQueryString(url.slice(start + 1, end === -1 ? undefined : end));
  }
}

/** Params as an object of strings; Next.js passes `{ params: Promise }` as the second argument, which is not one. */
function plainParams(params: unknown): Readonly<Record<string, string>> | undefined {
  if (typeof params !== "object" || params === null || typeof (params as { then?: unknown }).then === "function") return undefined;
  return params as Readonly<Record<string, string>>;
}

/** Headers names come lower-cased, repeated values joined with ", " (as Node joins custom headers). */
function headersOf(headers: Headers): HeaderMap {
  // No prototype: "__proto__" is a valid header name.
  const map: Record<string, string> = Object.create(null) as Record<string, string>;
  headers.forEach((value, name) => {
    map[name] = value;
  });
  return map;
}
