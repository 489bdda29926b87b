// The ceiling: Express 5 routing a POST and answering 200 without reading the body
// (Node discards the unread body so the connection stays usable).
import express from "express";

export function createHandler({ path }) {
  const app = express();
  app.post(path, (req, res) => {
    res.sendStatus(200);
  });
  return app;
}
