import type { ServerResponse } from "node:http";
import { loggerOf } from "../core/receiver.js";
import type { Logger } from "../core/types.js";
import type { IncomingRequest } from "./incoming-request.js";

/**
 * The mounting mistakes a receiver explains, each once, in one line through its logger:
 * a body another parser read first, and a POST that passed through the router to a 404.
 * After that (or with no logger) each is a flag, so neither costs anything per request.
 */
export class MountNotices {
  /** True once the body notice is given: nothing more to look at. */
  bodyNoted: boolean;
  /** True once the misroute notice is given: no more requests to watch. */
  misrouteNoted: boolean;
  readonly #provider: string;
  readonly #logger: Logger | undefined;

  constructor(provider: string, logger: Logger | undefined) {
    this.#provider = provider;
    this.#logger = logger;
    this.bodyNoted = logger === undefined;
    this.misrouteNoted = logger === undefined;
  }

  /** Says what a body parser in front of the receiver costs; `body` is what it left us. */
  noteBodyReadBefore(req: IncomingRequest, body: unknown): void {
    this.bodyNoted = true;
    const path = pathOf(req.originalUrl ?? req.url);
    const raw = body instanceof Uint8Array || typeof body === "string";
    const cost = raw
      ? "its raw bytes reached the receiver (keepRawBody), so verification and parsing use them, but a forged body is still read in full before it is refused, and that parser's limit and error pages apply instead of the receiver's."
      : "auth.verify gets no rawBody, a forged body is read in full before it is refused, and that parser's limit and error pages apply instead of the receiver's (express.json() answers bodies over 100 kB with an HTML 413).";
    const fix = raw
      ? `Mount the receiver before any body parser to avoid this: app.use("${path}", receiver.router) first.`
      : `Mount the receiver before any body parser: app.use("${path}", receiver.router) first; or, if a global parser must stay, keep the raw bytes with express.json({ verify: keepRawBody }).`;
    this.#warn(
      { provider: this.#provider, path },
      `${this.#provider}: a body parser read the request body before the receiver; ${cost} ${fix}`,
    );
  }

  /** Watches a POST the router passes on: if nobody answers it but with a 404, says how to mount. */
  watchMisroute(req: IncomingRequest, res: ServerResponse): void {
    const mountPath = req.baseUrl || "/";
    res.once("finish", () => {
      if (res.statusCode === 404 && !this.misrouteNoted) this.#noteMisroute(req, mountPath);
    });
  }

  #noteMisroute(req: IncomingRequest, mountPath: string): void {
    this.misrouteNoted = true;
    const path = pathOf(req.originalUrl ?? req.url);
    this.#warn(
      { provider: this.#provider, method: req.method, path, mountPath },
      `${this.#provider}: ${req.method} ${path} passed through the receiver's router and was answered 404: the router answers only POST at the exact path it is mounted at ("${mountPath}" here). If this request was meant for the receiver, mount it at the webhook's path, app.use("${path}", receiver.router), or as a route, app.post("${path}", receiver.handler).`,
    );
  }

  #warn(fields: object, message: string): void {
    try {
      this.#logger?.warn(fields, message);
    } catch {
      // A broken logger is not the sender's problem.
    }
  }
}

/** The path of a URL, without its query (a `?token=` stays out of logs), and not too long. */
function pathOf(url = "/"): string {
  const end = url.indexOf("?");
  return (end === -1 ? url : url.slice(0, end)).slice(0, 200);
}

const byReceiver = new WeakMap<object, MountNotices>();

/** One set of notices per receiver, shared by its router and its handler: each says its piece once. */
export function noticesOf(receiver: object & { readonly provider?: string }): MountNotices {
  let notices = byReceiver.get(receiver);
  if (notices === undefined) {
    notices = new MountNotices(receiver.provider ?? "receiver", loggerOf(receiver));
    byReceiver.set(receiver, notices);
  }
  return notices;
}
