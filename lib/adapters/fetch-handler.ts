import { Readable } from "node:stream";
import { answerWithoutReceiver } from "../core/answer.js";
import { WebhookError } from "../core/errors.js";
import { loggerOf, type WebhookReceiver } from "../core/receiver.js";
import type { EventSchemas } from "../core/protocol.js";
import type { WebhookResponse } from "../core/types.js";
import { FetchWebhookRequest, type FetchRequestInfo } from "./fetch-webhook-request.js";

export type { FetchRequestInfo };

/**
 * The Web-standard door: `Request` in, `Response` out (Next.js route handlers, Hono, Bun,
 * Deno, Cloudflare Workers). Never rejects.
 */
export type FetchHandler = (request: Request, info?: FetchRequestInfo) => Promise<Response>;

/**
 * Builds the fetch handler for a receiver: the same core, answers, limits and codes as its
 * router. The body is handed to the core as a stream, so it is read as in Node: only after
 * authentication, refused from `Content-Length` before a byte is read, cut off at `limit`
 * and `bodyTimeoutMs`. Whatever is left unread when the answer is ready is cancelled.
 * Every receiver has one already as `receiver.fetch`.
 *
 * @example
 * // Next.js, app/hooks/misskey/route.ts
 * export const POST = (request: Request) => misskey.fetch(request);
 * // Hono: app.all("/hooks/:tenant/misskey", (c) => misskey.fetch(c.req.raw, { params: c.req.param() }));
 * // Deno: Deno.serve((req, info) => misskey.fetch(req, { remoteAddress: info.remoteAddr.hostname }));
 */
export function createFetchHandler(receiver: Pick<WebhookReceiver<string, EventSchemas, unknown>, "receive">): FetchHandler {
  return async (request, info) => {
    if (request.bodyUsed) return toResponse(readBefore(receiver));
    const stream = request.body === null ? undefined : Readable.fromWeb(request.body);
    let answer: WebhookResponse;
    try {
      answer = await receiver.receive(new FetchWebhookRequest(request, stream, info));
    } catch (cause) {
      // `receive` never rejects; if it did, the sender still gets an answer.
      answer = answerWithoutReceiver(new WebhookError("internal_error", "The receiver failed unexpectedly.", { cause }));
    }
    // A refusal leaves the body unread: cancel it rather than let it fill buffers.
    if (stream !== undefined && !stream.readableEnded) stream.destroy();
    return toResponse(answer);
  };
}

function toResponse(answer: WebhookResponse): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * Something read the body before us (a framework's body parser or validator): its bytes
 * are gone, so nothing can be verified. A 500 (a resending provider tries again once the
 * mounting is fixed), and one error line saying why.
 */
function readBefore(receiver: object & { readonly provider?: string }): WebhookResponse {
  const provider = receiver.provider ?? "receiver";
  const error = new WebhookError(
    "internal_error",
    `${provider}: the request body was read before the receiver got it; pass the untouched Request to receiver.fetch (e.g. c.req.raw in Hono, before any body is read).`,
    { provider, publicMessage: "The receiver failed unexpectedly." },
  );
  try {
    loggerOf(receiver)?.error({ provider, code: error.code }, error.message);
  } catch {
    // A broken logger is not the sender's problem.
  }
  return answerWithoutReceiver(error);
}
