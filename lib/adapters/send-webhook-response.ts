import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebhookResponse } from "../core/types.js";

/** Writes the receiver's answer, reading off whatever of the body is still unread. */
export function sendWebhookResponse(req: IncomingMessage, res: ServerResponse, answer: WebhookResponse): void {
  // Something mounted before us already answered (and still called next()): the delivery
  // was handled, but a second head would throw where nobody catches it.
  if (res.headersSent) return;
  // A client already gone needs no draining (and would leave a timer behind).
  if (!req.readableEnded && !req.destroyed) discardRest(req, res, answer.outcome === "request_timeout");
  // One writeHead instead of res.status() and a setHeader per header. With the length
  // given, the answer is not sent chunked (writeHead fixes the head before end() sees the body).
  res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/** Most unread bytes read off (and dropped) after a refusal, so the client gets to read the answer. */
const DISCARD_LIMIT = 16 * 1024 * 1024;
/** Longest time spent reading off a refused body. */
const DISCARD_TIMEOUT_MS = 5000;

/**
 * Closing on a client that is still sending makes the kernel reset the connection: the
 * client sees ECONNRESET instead of our answer (and Misskey retries network errors).
 * So the rest is read off and dropped, never kept, and the connection stays usable; a
 * body declared too large, or a slow drip already timed out, gets `Connection: close`.
 */
function discardRest(req: IncomingMessage, res: ServerResponse, slow: boolean): void {
  const declared = Number(req.headers["content-length"]);
  if (slow || declared > DISCARD_LIMIT) {
    res.setHeader("connection", "close");
    return;
  }
  let seen = 0;
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_TIMEOUT_MS);
  timer.unref();
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_LIMIT) req.socket.destroy();
  });
  req.once("end", () => {
    clearTimeout(timer);
  });
  req.once("close", () => {
    clearTimeout(timer);
  });
  req.resume();
}
