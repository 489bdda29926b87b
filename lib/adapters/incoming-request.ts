import type { IncomingMessage } from "node:http";

/**
 * A request as the adapters get it: Node's own, plus what Express or a body parser may
 * have added. Every addition is optional: `receiver.handler` also serves plain Node.
 */
export type IncomingRequest = IncomingMessage & {
  /** body-parser 1 (Express 4) sets this once it has read the stream. */
  _body?: boolean;
  body?: unknown;
  /** Where `keepRawBody` (or an app's own `verify`) keeps the bytes a body parser read. */
  rawBody?: unknown;
  ip?: string | undefined;
  /** Express: the URL as it arrived, and the path the current router is mounted at. */
  originalUrl?: string;
  baseUrl?: string;
  query?: unknown;
  params?: unknown;
};
