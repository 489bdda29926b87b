// One benchmark server: `BENCH_SERVER` names the module in this folder that builds the
// request handler, `BENCH_CONFIG` is its JSON config. Talks to the runner over IPC:
// "ready" with the port, "stats" on request, exits on "exit" (so --cpu-prof is written)
// or as soon as the runner goes away.
import http from "node:http";
import { readFileSync } from "node:fs";

const kind = process.env.BENCH_SERVER;
if (!kind || !/^[a-z0-9-]+$/.test(kind) || typeof process.send !== "function") {
  console.error("serve.mjs is started by bench/run.mjs (BENCH_SERVER and an IPC channel).");
  process.exit(2);
}
const config = JSON.parse(process.env.BENCH_CONFIG ?? "{}");

let events = 0;
let errors = 0;
const errorCodes = {};
const probe = {
  /** A listener ran: counted so the runner can check deliveries were dispatched. */
  count: () => void (events += 1),
  /** A receiver reported an error (onError): counted by code. */
  error: (code) => {
    errors += 1;
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  },
};

const { createHandler } = await import(`./${kind}.mjs`);
const handler = await createHandler(config, probe);
const server = http.createServer(handler);

function memory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM"), ...process.memoryUsage() };
}

process.on("message", (message) => {
  // `probe.report`, when the server module sets one, adds its own figures (bench/servers/soak.mjs).
  if (message?.type === "stats") process.send({ type: "stats", events, errors, errorCodes, memory: memory(), ...probe.report?.(message) });
  if (message?.type === "reset") {
    events = 0;
    errors = 0;
    for (const code in errorCodes) delete errorCodes[code];
  }
  if (message?.type === "exit") {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  }
});
// The runner died or closed the channel: never outlive it.
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => process.send({ type: "ready", port: server.address().port }));
