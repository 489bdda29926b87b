import type { IncomingMessage, ServerResponse } from "node:http";
import { answerWithoutReceiver } from "../core/answer.js";
import { WebhookError } from "../core/errors.js";
import { createNodeHandler, type NodeHandler } from "./node-handler.js";
import { sendWebhookResponse } from "./send-webhook-response.js";
import { compileWebhookRoutes, requestPath, type WebhookRoutes } from "./webhook-routes.js";

/**
 * One Node/Express middleware for several receivers, each at its exact path (as
 * octokit's `createNodeMiddleware(webhooks, { path })`, for many). A request to a path
 * it owns gets that receiver's answer, whatever the method (a GET: 405). Any other path
 * goes on to `next()`; with no `next` (a plain `http.createServer` listener), it is
 * answered 404 `not_found`. Paths are compared with the URL the middleware sees: the
 * whole path at an app's root or in `http.createServer`, the rest below a mount path in
 * `app.use("/hooks", middleware)`.
 *
 * @example
 * import http from "node:http";
 * import { createWebhookMiddleware } from "express-webhook-receivers";
 *
 * const hooks = createWebhookMiddleware({ "/hooks/misskey": misskey, "/hooks/oksky": oksky });
 * app.use(hooks);                        // Express: other paths go on to your routes
 * http.createServer(hooks).listen(3000); // plain Node: other paths get 404
 */
export function createWebhookMiddleware(routes: WebhookRoutes): NodeHandler {
  const handlers = compileWebhookRoutes(routes, "createWebhookMiddleware", createNodeHandler);
  return (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    const handler = handlers.get(requestPath(req.url ?? "/"));
    if (handler !== undefined) handler(req, res, next);
    else if (next !== undefined) next();
    else sendWebhookResponse(req, res, answerWithoutReceiver(new WebhookError("not_found", "No webhook receiver at this path.")));
  };
}
