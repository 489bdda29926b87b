#!/usr/bin/env node
// `npm run bench:pipeline`: the receivers' own cost per delivery, without HTTP: calls
// `receiver.receive({ method, headers, body })` in a loop on the same bodies the HTTP
// benchmark sends, and prints µs per delivery (best of several batches, so other load on
// the machine shows less). Isolates the core pipeline from Express and sockets; use it to
// check a hot-path change before confirming it with `npm run bench`.
//
// Env: BENCH_PIPELINE_MS (time per batch, default 1000), BENCH_PIPELINE_BATCHES (default 5).
import { createMisskeyReceiver } from "express-webhook-receivers";
import { fileURLToPath } from "node:url";
import { table } from "./support/report.mjs";
import { buildScenarios } from "./scenarios.mjs";

const batchMs = Number(process.env.BENCH_PIPELINE_MS ?? 1000);
const batches = Number(process.env.BENCH_PIPELINE_BATCHES ?? 5);

async function receiverFor(kind, secret) {
  if (kind === "misskey") {
    const receiver = createMisskeyReceiver({ secret });
    receiver.on("note", () => {});
    return receiver;
  }
  const { createOkskyReceiver } = await import("express-webhook-receivers/oksky");
  const receiver = createOkskyReceiver({ secret });
  receiver.on("Message.create", () => {});
  return receiver;
}

/** The request the load generator would send next, as `receive()` takes it. */
function nextRequest(request) {
  if (!request.setupRequest) return { method: "POST", headers: lowerCase(request.headers), body: request.body };
  const built = request.setupRequest({ ...request });
  // A copy: the template is rewritten in place for the next id.
  return { method: "POST", headers: lowerCase(built.headers), body: Buffer.from(built.body) };
}

function lowerCase(headers) {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

async function measure(scenario) {
  const receiver = await receiverFor(scenario.kind, scenario.config.secret);
  const check = await receiver.receive(nextRequest(scenario.request));
  if (check.status !== scenario.expect) throw new Error(`${scenario.id}: answered ${check.status} ${check.body}`);
  let best = Infinity;
  for (let batch = 0; batch < batches; batch++) {
    let count = 0;
    let spent = 0n;
    const until = Date.now() + batchMs;
    while (Date.now() < until) {
      // Building the request is not timed; only receive() is.
      const requests = Array.from({ length: 50 }, () => nextRequest(scenario.request));
      const started = process.hrtime.bigint();
      await Promise.all(requests.map((request) => receiver.receive(request)));
      spent += process.hrtime.bigint() - started;
      count += requests.length;
    }
    best = Math.min(best, Number(spent) / 1000 / count);
  }
  return best;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
  const { scenarios } = await buildScenarios();
  const ours = scenarios.filter(
    (s) => (s.kind === "misskey" || s.kind === "oksky") && (only.length === 0 || only.some((part) => s.id.includes(part))),
  );
  const rows = [];
  for (const scenario of ours) {
    const us = await measure(scenario);
    rows.push([`\`${scenario.id}\``, us.toFixed(1), Math.round(1e6 / us).toLocaleString("en-US")]);
    console.error(`${scenario.id}: ${us.toFixed(1)} µs`);
  }
  console.log(table(["scenario (receive() only, no HTTP)", "µs per delivery (best batch)", "deliveries/s on one core"], rows));
}
