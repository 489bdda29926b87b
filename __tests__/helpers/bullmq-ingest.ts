// An ingest process: verifies Misskey deliveries and hands them to BullMQ, runs no listener.
// Env: REDIS_PORT, QUEUE. Prints "listening <port>" when ready.
import express from "express";
import { Queue } from "bullmq";
import { BullmqHandoff } from "../../lib/bullmq/index.js";
import { createMisskeyReceiver } from "../../lib/index.js";

const env = process.env;
const queue = new Queue(env["QUEUE"]!, { connection: { host: "127.0.0.1", port: Number(env["REDIS_PORT"]) } });
const receiver = createMisskeyReceiver({ secret: "s3cret", queue: new BullmqHandoff(queue) });
receiver.on("note", () => {
  throw new Error("an ingest process must run no listener");
});

const app = express();
app.use("/hooks/misskey", receiver.router);
void queue.waitUntilReady().then(() => {
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
  });
});
