// What users hand-write: express.json() for the body, then a token compare in the route.
// The token is checked after parsing, as most such code does, so a forged request pays
// for the parse too.
import express from "express";

export function createHandler({ path, header, secret }, probe) {
  const app = express();
  app.post(path, express.json({ limit: "1mb" }), (req, res) => {
    if (req.get(header) !== secret) {
      res.status(401).json({ error: "unauthorized" });
      return;
    }
    probe.count(req.body);
    res.json({ ok: true });
  });
  return app;
}
