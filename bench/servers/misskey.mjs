// Ours: the Misskey receiver with the options a user writes (secret only, so the
// default in-memory dedupe is on), one listener.
import express from "express";
import { createMisskeyReceiver } from "express-webhook-receivers";

export function createHandler({ path, secret }, probe) {
  const misskey = createMisskeyReceiver({ secret });
  misskey.on("note", (event) => probe.count(event));
  misskey.onError((error) => probe.error(error.code));
  const app = express();
  app.use(path, misskey.router);
  return app;
}
