// The bullmq subpath as users write it: compiled by `tsc`, never run.
import { Queue, type Worker } from "bullmq";
import { expectTypeOf } from "expect-type";
import { BullmqHandoff, createBullmqWorker, type BullmqDeliveryData } from "../../lib/bullmq/index.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";

const connection = { host: "127.0.0.1", port: 6379 };
const queue = new Queue("webhooks", { connection });
const misskey = createMisskeyReceiver({
  secret: "s",
  queue: new BullmqHandoff(queue, { maxAttempts: 5, backoffMs: 1000, maxBackoffMs: 300_000, keepCompletedMs: 86_400_000 }),
});
misskey.on("note", (e) => {
  expectTypeOf(e.payload.body.note.text).toEqualTypeOf<string | null>();
});
const worker = createBullmqWorker(misskey, { connection, queue: "webhooks", concurrency: 8 });
expectTypeOf(worker).toEqualTypeOf<Worker<BullmqDeliveryData, void>>();
createBullmqWorker([misskey, createOkskyReceiver({ secret: "s" })], { connection, queue: "webhooks" });

// @ts-expect-error -- not a receiver
createBullmqWorker({}, { connection, queue: "webhooks" });
// @ts-expect-error -- the queue's name is required
createBullmqWorker(misskey, { connection });
// @ts-expect-error -- a queue, not its name
new BullmqHandoff("webhooks");
// @ts-expect-error -- no such option
new BullmqHandoff(queue, { attempts: 5 });
