import { answerWithoutReceiver } from "../core/answer.js";
import { WebhookError } from "../core/errors.js";
import { createFetchHandler, type FetchHandler } from "./fetch-handler.js";
import { compileWebhookRoutes, requestPath, type WebhookRoutes } from "./webhook-routes.js";

/**
 * One fetch handler for several receivers, each at its exact path: the Web-standard
 * twin of {@link createWebhookMiddleware}. A request to a path it owns gets that
 * receiver's answer; any other path is answered 404 `not_found` (its body is cancelled,
 * never read). The path is the pathname of `request.url`.
 *
 * @example
 * // Next.js, app/hooks/[provider]/route.ts: one route file for every provider
 * import { createWebhookFetchHandler } from "express-webhook-receivers";
 *
 * const hooks = createWebhookFetchHandler({ "/hooks/misskey": misskey, "/hooks/oksky": oksky });
 * export const POST = (request: Request) => hooks(request);
 *
 * // Bun: Bun.serve({ fetch: (request) => hooks(request) });
 */
export function createWebhookFetchHandler(routes: WebhookRoutes): FetchHandler {
  const handlers = compileWebhookRoutes(routes, "createWebhookFetchHandler", createFetchHandler);
  return async (request, info) => {
    const handler = handlers.get(requestPath(request.url));
    if (handler !== undefined) return handler(request, info);
    await request.body?.cancel().catch(() => undefined);
    const answer = answerWithoutReceiver(new WebhookError("not_found", "No webhook receiver at this path."));
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
