import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { WebhookReceiver } from "../core/receiver.js";
import type { EventSchemas } from "../core/protocol.js";
import { noticesOf } from "./mount-notices.js";
import { createNodeHandler, type NodeHandler } from "./node-handler.js";
import { createFetchHandler, type FetchHandler } from "./fetch-handler.js";

/** A receiver with its Express router and its plain handler. */
export type ExpressWebhookReceiver<
  P extends string,
  S extends EventSchemas,
  M,
  I extends string | undefined = string | undefined,
  U extends string | undefined = I,
> = WebhookReceiver<P, S, M, I, U> & {
  /**
   * An `express.Router` answering `POST /` (other methods: 405). Mount it with
   * `app.use(path, router)`; as a route handler (`app.post(path, router)`) it answers too.
   */
  readonly router: Router;
  /**
   * A plain `(req, res, next?)` handler answering every request it is given: a route
   * handler (`app.post("/hooks/:tenant", receiver.handler)`, params reaching `event.meta`)
   * or a Node listener (`http.createServer((req, res) => receiver.handler(req, res))`).
   */
  readonly handler: NodeHandler;
  /** The Web-standard door, `(request: Request, info?) => Promise<Response>`: Next.js, Hono, Bun, Deno, Workers. */
  readonly fetch: FetchHandler;
};

/** Builds the router for a receiver. */
export function createExpressRouter(receiver: Pick<WebhookReceiver<string, EventSchemas, unknown>, "receive">): Router {
  const answer = createNodeHandler(receiver);
  const notices = noticesOf(receiver);
  // mergeParams: a mount path such as "/hooks/misskey/:tenant" reaches secret resolvers and event.meta.
  const router = express.Router({ mergeParams: true });
  router.all("/", answer);
  const ownLayers = router.stack.length;
  const handled = router as Router & { handle: RouterHandle };
  const routerHandle = handled.handle.bind(router);
  // While nobody has added to the router, the mount path itself is its one route: answer
  // it directly, without the router's layer loop, path matching and route dispatch (what
  // that saves: BENCHMARKS.md, P6; pinned by __tests__/adapters/mounting.test.ts).
  // Anything added goes the usual way.
  handled.handle = (req, res, next) => {
    if (router.stack.length === ownLayers && isMountRoot(req.url)) {
      answer(req, res, next);
    } else if (typeof next !== "function") {
      // Called as a Node listener, `http.createServer(receiver.router)`: nobody else would answer.
      answer(req, res);
    } else if (reachedThroughRoute(req, router)) {
      // `app.post(path, receiver.router)`: the route has matched the whole path, which is
      // our "/". Our route, the router's first, answers every method there: anything
      // added after it never sees "/", so answering directly is what the router would do.
      answer(req, res, next);
    } else {
      // Until one is noticed, a POST passed on is watched for a 404 (one listener): the
      // receiver's own deliveries never come this way.
      if (!notices.misrouteNoted && req.method === "POST") notices.watchMisroute(req, res);
      routerHandle(req, res, next);
    }
  };
  return router;
}

/** `Router#handle`: Express's own type leaves it out, but the router function calls it. */
type RouterHandle = (req: Request, res: Response, next: NextFunction) => void;

/** The path a router sees is the one left after its mount path: "/" (with a query, or not) is its root. */
function isMountRoot(url: string): boolean {
  return url === "/" || url.startsWith("/?");
}

/**
 * Whether the router runs as a handler of the route Express is dispatching: that route
 * (`app.post(path, router)`, `router.post(path, router)`) lists it among its handlers. A
 * route's handler sees the whole URL, not the part below a mount path, so "/" never
 * matches there. `req.route` alone is no proof: Express leaves it set after a route
 * calls `next()`, so a request going on to `app.use(path, router)` still carries it.
 */
function reachedThroughRoute(req: Request, router: Router): boolean {
  const stack = (req.route as { stack?: readonly { handle: unknown }[] } | undefined)?.stack;
  if (stack === undefined) return false;
  for (const layer of stack) if (layer.handle === router) return true;
  return false;
}

/** Adds a lazily built `router`, `handler` and `fetch` to a receiver. */
export function withExpressRouter<P extends string, S extends EventSchemas, M, I extends string | undefined, U extends string | undefined>(
  receiver: WebhookReceiver<P, S, M, I, U>,
): ExpressWebhookReceiver<P, S, M, I, U> {
  let router: Router | undefined;
  let handler: NodeHandler | undefined;
  let fetch: FetchHandler | undefined;
  Object.defineProperty(receiver, "router", {
    enumerable: true,
    get: () => (router ??= createExpressRouter(receiver)),
  });
  Object.defineProperty(receiver, "handler", {
    enumerable: true,
    get: () => (handler ??= createNodeHandler(receiver)),
  });
  Object.defineProperty(receiver, "fetch", { enumerable: true, get: () => (fetch ??= createFetchHandler(receiver)) });
  return receiver as ExpressWebhookReceiver<P, S, M, I, U>;
}
