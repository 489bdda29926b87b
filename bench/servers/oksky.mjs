// Ours: the OK SKY receiver (any of its four content types), one listener.
import express from "express";
import { createOkskyReceiver } from "express-webhook-receivers/oksky";

export function createHandler({ path, secret }, probe) {
  const oksky = createOkskyReceiver({ secret });
  oksky.on("Message.create", (event) => probe.count(event));
  oksky.onError((error) => probe.error(error.code));
  const app = express();
  app.use(path, oksky.router);
  return app;
}
