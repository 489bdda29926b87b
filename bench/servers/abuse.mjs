// The target of bench/abuse.mjs: the Misskey and OK SKY receivers with default options
// (1 MiB limit, default multipart and form limits) in one Express app, as deployed.
import express from "express";
import { createMisskeyReceiver } from "express-webhook-receivers";

export async function createHandler({ secret }, probe) {
  const app = express();
  const misskey = createMisskeyReceiver({ secret });
  misskey.on("note", (event) => probe.count(event));
  misskey.onError((error) => probe.error(error.code));
  app.use("/hooks/misskey", misskey.router);
  try {
    const { createOkskyReceiver } = await import("express-webhook-receivers/oksky");
    const oksky = createOkskyReceiver({ secret });
    oksky.on("Message.create", (event) => probe.count(event));
    oksky.onError((error) => probe.error(error.code));
    app.use("/hooks/oksky", oksky.router);
  } catch {
    // OK SKY not built yet: its abuse cases are skipped by the runner.
  }
  return app;
}
