import { Queue, type ConnectionOptions } from "bullmq";

/** Queues and workers a test opened, closed after it (quickly: a test may have killed Redis). */
export class Opened {
  readonly #closers: (() => Promise<unknown>)[] = [];

  add<T extends { close(): Promise<unknown> }>(thing: T): T {
    this.#closers.push(() => thing.close());
    return thing;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(
      this.#closers
        .splice(0)
        .reverse()
        .map((close) => close()),
    );
  }
}

let queues = 0;

/** A queue of its own for each test (names are unique per file run). */
export function freshQueue(opened: Opened, connection: ConnectionOptions): Queue {
  queues += 1;
  const queue = opened.add(new Queue(`webhooks-${process.pid}-${queues}`, { connection }));
  // Tests that kill Redis expect these; BullMQ would print each one.
  queue.on("error", () => {});
  return queue;
}

export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
