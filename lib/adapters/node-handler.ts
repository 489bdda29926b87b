import type { IncomingMessage, ServerResponse } from "node:http";
import { answerWithoutReceiver } from "../core/answer.js";
import { WebhookError } from "../core/errors.js";
import type { WebhookReceiver } from "../core/receiver.js";
import type { EventSchemas } from "../core/protocol.js";
import type { IncomingRequest } from "./incoming-request.js";
import { noticesOf } from "./mount-notices.js";
import { sendWebhookResponse } from "./send-webhook-response.js";
import { toWebhookRequest } from "./to-webhook-request.js";

/**
 * A plain request handler: it answers every request it is given. Works as an Express
 * route handler (`app.post(path, handler)`, `router.post(path, handler)`, route params
 * reaching `event.meta.params`) and as a Node `http` request listener.
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Builds the handler for a receiver: the same answers, limits and codes as its router. */
export function createNodeHandler(receiver: Pick<WebhookReceiver<string, EventSchemas, unknown>, "receive">): NodeHandler {
  const notices = noticesOf(receiver);
  return (req: IncomingRequest, res, next) => {
    const request = toWebhookRequest(req);
    // A stream already read is the exception: the common path pays one property read.
    if (request.stream === undefined && !notices.bodyNoted) notices.noteBodyReadBefore(req, request.body);
    receiver.receive(request).then(
      (response) => {
        sendWebhookResponse(req, res, response);
      },
      next ??
        ((error: unknown) => {
          failed(req, res, error);
        }),
    );
  };
}

/** Without Express behind it, nobody else answers: `receive` never rejects, but if it did, the sender gets a 500. */
function failed(req: IncomingMessage, res: ServerResponse, cause: unknown): void {
  if (res.headersSent) res.destroy();
  else
    sendWebhookResponse(
      req,
      res,
      answerWithoutReceiver(new WebhookError("internal_error", "The receiver failed unexpectedly.", { cause })),
    );
}
