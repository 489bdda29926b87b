import { parse as parseQueryString } from "node:querystring";
import type { WebhookRequest } from "../core/types.js";
import type { IncomingRequest } from "./incoming-request.js";

/**
 * The request as the core sees it: the stream to read, or, if a body parser already
 * consumed it, the raw bytes it kept (`keepRawBody`) or else the body it parsed.
 */
export function toWebhookRequest(req: IncomingRequest): WebhookRequest {
  return new NodeWebhookRequest(req);
}

/** Whether another middleware has read the request's body before us. */
function bodyReadBefore(req: IncomingRequest): boolean {
  return req._body === true || req.readableEnded;
}

/** The raw bytes a body parser's `verify` kept, if any. */
function keptRawBody(req: IncomingRequest): Buffer | Uint8Array | string | undefined {
  const { rawBody } = req;
  return rawBody instanceof Uint8Array || typeof rawBody === "string" ? rawBody : undefined;
}

/**
 * A class, not an object literal: a getter in a literal gets a fresh closure per request,
 * which gives every request object its own hidden class, and young-generation GC then
 * costs more per delivery (BENCHMARKS.md, P7).
 */
class NodeWebhookRequest implements WebhookRequest {
  readonly #req: IncomingRequest;
  readonly method: string;
  readonly headers: IncomingRequest["headers"];
  readonly body: WebhookRequest["body"];
  readonly stream: IncomingRequest | undefined;
  readonly remoteAddress: string | undefined;
  readonly params: Record<string, string> | undefined;

  constructor(req: IncomingRequest) {
    this.#req = req;
    const alreadyRead = bodyReadBefore(req);
    this.method = req.method ?? "";
    this.headers = req.headers;
    // Never wait on a stream someone else has read: it would hang. Its raw bytes, where
    // kept, are worth more than the parsed body: `verify` needs them, and our parsers apply
    // our limits and charset rules.
    this.body = alreadyRead ? (keptRawBody(req) ?? (req.body as WebhookRequest["body"])) : undefined;
    this.stream = alreadyRead ? undefined : req;
    // Without X-Forwarded-For, `req.ip` is the socket's address whatever `trust proxy` says;
    // only with it is proxy-addr's walk worth its cost.
    this.remoteAddress = req.headers["x-forwarded-for"] === undefined ? req.socket.remoteAddress : (req.ip ?? req.socket.remoteAddress);
    this.params = req.params as Record<string, string> | undefined;
  }

  /** Lazy: `req.query` parses the query string anew on every read, and most receivers never look. */
  get query(): Readonly<Record<string, unknown>> {
    const { query } = this.#req;
    return query === undefined ? queryOf(this.#req.url) : (query as Readonly<Record<string, unknown>>);
  }
}

/** Plain Node has no `req.query`: parsed as Express 5's default ("simple") parser does. */
function queryOf(url = ""): Readonly<Record<string, unknown>> {
  const start = url.indexOf("?");
  return start === -1 ? {} : parseQueryString(url.slice(start + 1));
}
