// A worker process (no HTTP): runs the Misskey listener for the queue's jobs. The listener
// notes its start (RPUSH starts "<NAME> <id>"), works WORK_MS, then records its effect (INCR
// effect:<id>). Env: REDIS_PORT, QUEUE, NAME, WORK_MS. Prints "ready" once taking jobs.
import { Redis } from "ioredis";
import { createBullmqWorker } from "../../lib/bullmq/index.js";
import { createMisskeyReceiver } from "../../lib/index.js";

const env = process.env;
const port = Number(env["REDIS_PORT"]);
const name = env["NAME"]!;
const redis = new Redis(port, "127.0.0.1");
const receiver = createMisskeyReceiver({ secret: "s3cret" });
receiver.on("note", async (e) => {
  await redis.rpush("starts", `${name} ${e.id}`);
  await new Promise((resolve) => setTimeout(resolve, Number(env["WORK_MS"] ?? 0)));
  await redis.incr(`effect:${e.id}`);
});
const worker = createBullmqWorker(receiver, {
  connection: { host: "127.0.0.1", port },
  queue: env["QUEUE"]!,
  concurrency: 8,
  // A dead worker's jobs are back within about 2 s (BullMQ's defaults: 30 s).
  lockDuration: 2000,
  stalledInterval: 1000,
});
void worker.waitUntilReady().then(() => {
  console.log("ready");
});
