// Peer: @octokit/webhooks' createNodeMiddleware (HMAC-SHA256 signature, JSON.parse),
// mounted in Express as its README shows.
import express from "express";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";

export function createHandler({ path, secret }, probe) {
  const webhooks = new Webhooks({ secret });
  webhooks.on("push", () => probe.count());
  webhooks.onError((error) => probe.error(error.name ?? "error"));
  const app = express();
  app.use(createNodeMiddleware(webhooks, { path }));
  return app;
}
