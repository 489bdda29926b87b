import express, { type Request, type Response, type Router } from "express";
import type { WebhookReceiver } from "../core/receiver.js";
import type { EventSchemas } from "../core/protocol.js";
import type { WebhookRequest, WebhookResponse } from "../core/types.js";

/** A receiver with its Express router. */
export type ExpressWebhookReceiver<P extends string, S extends EventSchemas, M> = WebhookReceiver<P, S, M> & {
  /** An `express.Router` answering `POST /` (other methods: 405). Mount it with `app.use(path, router)`. */
  readonly router: Router;
};

/** The request as the core sees it: parsed body if a middleware already consumed the stream. */
export function toWebhookRequest(req: Request): WebhookRequest {
  const alreadyRead = (req as Request & { _body?: boolean })._body === true || req.readableEnded;
  return {
    method: req.method,
    headers: req.headers,
    // Never wait on a stream someone else has read: it would hang.
    body: alreadyRead ? (req.body as WebhookRequest["body"]) : undefined,
    stream: alreadyRead ? undefined : req,
    query: req.query as Record<string, unknown>,
    remoteAddress: req.ip ?? req.socket.remoteAddress,
    params: req.params as Record<string, string>,
  };
}

export function sendWebhookResponse(req: Request, res: Response, answer: WebhookResponse): void {
  res.status(answer.status);
  for (const name in answer.headers) res.setHeader(name, answer.headers[name]!);
  // A refused body that was not read to the end must not be read now: close instead.
  if (!req.complete || !req.readableEnded) res.setHeader("connection", "close");
  res.end(answer.body);
}

/** Builds the router for a receiver. */
export function createExpressRouter(receiver: Pick<WebhookReceiver<string, EventSchemas, unknown>, "receive">): Router {
  // mergeParams: a mount path such as "/hooks/misskey/:tenant" reaches secret resolvers and event.meta.
  const router = express.Router({ mergeParams: true });
  router.all("/", (req, res, next) => {
    receiver.receive(toWebhookRequest(req)).then((answer) => sendWebhookResponse(req, res, answer), next);
  });
  return router;
}

/** Adds a lazily built `router` to a receiver. */
export function withExpressRouter<P extends string, S extends EventSchemas, M>(
  receiver: WebhookReceiver<P, S, M>,
): ExpressWebhookReceiver<P, S, M> {
  let router: Router | undefined;
  Object.defineProperty(receiver, "router", {
    enumerable: true,
    get: () => (router ??= createExpressRouter(receiver)),
  });
  return receiver as ExpressWebhookReceiver<P, S, M>;
}
