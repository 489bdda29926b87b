// The least a validating Misskey receiver must do, written inline as one Express handler
// with nothing else: the secret compared as SHA-256 digests in constant time, the body
// read and JSON.parse'd, the same zod schemas as ours, a Map for dedupe, a JSON answer.
// No limit, no timeouts, no prototype-key check, no error handling: a floor, not a
// receiver anyone should run. It shows what our pipeline costs on top of its work.
import { createHash, timingSafeEqual } from "node:crypto";
import express from "express";
import { misskeyEnvelopeSchema, misskeyEventSchemas } from "express-webhook-receivers/misskey";

const OK = '{"ok":true}';

export function createHandler({ path, secret }, probe) {
  const digest = (text) => createHash("sha256").update(text).digest();
  const expected = digest(secret);
  const seen = new Map();
  const app = express();
  app.use(path, (req, res) => {
    const given = req.headers["x-misskey-hook-secret"];
    if (typeof given !== "string" || !timingSafeEqual(digest(given), expected)) {
      res.writeHead(401).end();
      return;
    }
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString());
      const envelope = misskeyEnvelopeSchema.parse(payload);
      if (!seen.has(envelope.eventId)) {
        seen.set(envelope.eventId, true);
        if (seen.size > 10_000) seen.delete(seen.keys().next().value);
        probe.count(misskeyEventSchemas[envelope.type].parse(payload));
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": OK.length }).end(OK);
    });
  });
  return app;
}
