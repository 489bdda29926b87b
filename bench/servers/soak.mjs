// The target of bench/soak.mjs: the Misskey and OK SKY receivers in one Express app,
// each dispatch counted per delivery (the sequence number the soak put in its id), and
// the event loop's delay watched. Reported through serve.mjs's "stats" (see `report`).
import { monitorEventLoopDelay } from "node:perf_hooks";
import express from "express";
import { createMisskeyReceiver, createOkskyReceiver } from "express-webhook-receivers";

/** The event-loop delay histogram's timer: reported delays are beyond it. */
export const ELD_RESOLUTION_MS = 10;

export function createHandler({ secret, limit, capacity }, probe) {
  // Preallocated, so counting never grows the heap the soak is watching.
  const counts = new Uint8Array(capacity);
  let duplicates = 0;
  let outOfRange = 0;
  const count = (seq) => {
    if (!Number.isInteger(seq) || seq < 0 || seq >= capacity) return void (outOfRange += 1);
    if (counts[seq] > 0) duplicates += 1;
    if (counts[seq] < 255) counts[seq] += 1;
  };

  const misskey = createMisskeyReceiver({ secret, limit });
  misskey.onAny((event) => {
    probe.count(event);
    count(Number(String(event.id).replace(/^soak-/, "")));
  });
  const oksky = createOkskyReceiver({ secret, limit });
  oksky.onAny((event) => {
    probe.count(event);
    count(Number(event.payload?.object?.id));
  });
  for (const receiver of [misskey, oksky]) receiver.onError((error) => probe.error(error.code));

  const interval = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const whole = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  interval.enable();
  whole.enable();
  const lateness = (ns) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
  const delays = (h) => ({ p50: lateness(h.percentile(50)), p99: lateness(h.percentile(99)), max: lateness(h.max) });

  /** `{ sample: true }`: the loop delay since the last sample. `{ finish: true }`: the counts and the whole run's delay. */
  probe.report = (message) => {
    if (message.finish) return { counts: Buffer.from(counts.buffer).toString("base64"), duplicates, outOfRange, eld: delays(whole) };
    const eld = delays(interval);
    interval.reset();
    return { eld };
  };

  const app = express();
  app.use("/hooks/misskey", misskey.router);
  app.use("/hooks/oksky", oksky.router);
  return app;
}
