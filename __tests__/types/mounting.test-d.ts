// Every door of a receiver, compiled against the types users have: Express 5, Express 4, node:http.
import express from "express";
import express4 from "express4";
import { createServer } from "node:http";
import { createMisskeyReceiver, keepRawBody, type NodeHandler } from "../../lib/index.js";

const misskey = createMisskeyReceiver({ secret: "s" });

const app = express();
app.use(express.json({ verify: keepRawBody }));
app.use("/hooks/misskey", misskey.router);
app.post("/hooks/misskey", misskey.router);
app.post("/hooks/:tenant/misskey", misskey.handler);
express.Router().post("/misskey", misskey.handler);

const app4 = express4();
app4.use(express4.json({ verify: keepRawBody }));
app4.post("/hooks/misskey", misskey.handler);
express4.Router().post("/misskey", misskey.handler);

createServer((req, res) => {
  misskey.handler(req, res);
});
createServer(misskey.handler);

export const handler: NodeHandler = misskey.handler;
