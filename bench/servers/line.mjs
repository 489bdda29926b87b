// Peer: @line/bot-sdk's middleware (HMAC-SHA256 signature, JSON.parse), as its README
// mounts it.
import express from "express";
import { middleware } from "@line/bot-sdk";

export function createHandler({ path, secret }, probe) {
  const app = express();
  app.post(path, middleware({ channelSecret: secret }), (req, res) => {
    probe.count(req.body);
    res.sendStatus(200);
  });
  return app;
}
