// What users hand-write for forms: busboy over the request stream, fields collected,
// 200 once it is done.
import express from "express";
import busboy from "busboy";

export function createHandler({ path }, probe) {
  const app = express();
  app.post(path, (req, res) => {
    const parser = busboy({ headers: req.headers, limits: { fields: 100, fieldSize: 1024 * 1024 } });
    const fields = {};
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("close", () => {
      probe.count(fields);
      res.sendStatus(200);
    });
    parser.on("error", () => res.sendStatus(400));
    req.pipe(parser);
  });
  return app;
}
