export { BullmqHandoff, type BullmqHandoffOptions } from "./bullmq-handoff.js";
export { createBullmqWorker, type BullmqWorkerOptions, type BullmqWorkerReceiver } from "./create-bullmq-worker.js";
export type { BullmqDeliveryData } from "./delivery-job.js";
export { jobIdOfKey, keyOfJobId } from "./job-id.js";
export type { DeliveryQueue } from "../inbox/delivery-queue.js";
