import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * A body parser's `verify` option that keeps the raw bytes on the request
 * (`req.rawBody`, as a Buffer). Receivers mounted after such a parser use those bytes:
 * `auth.verify` gets its `rawBody`, and the receiver parses the bytes itself with its own
 * limit and charset rules. Mounting receivers before any body parser is still better:
 * the parser reads a forged body in full before the receiver can refuse it, and
 * answers what it refuses (a body over its `limit`, broken JSON) with its own error pages.
 *
 * @example
 * import express from "express";
 * import { createMisskeyReceiver, keepRawBody } from "express-webhook-receivers";
 *
 * const app = express();
 * // A global parser that must stay: keep the raw bytes, with a limit as large as the receiver's.
 * app.use(express.json({ verify: keepRawBody, limit: "1mb" }));
 * app.use("/hooks/misskey", createMisskeyReceiver({ secret: process.env.MISSKEY_HOOK_SECRET! }).router);
 */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
}
