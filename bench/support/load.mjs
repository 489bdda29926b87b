// One bounded load run against one server with autocannon, counting only the answers
// the scenario expects (a server that answers 400 fast must not score).
import autocannon from "autocannon";
import { TICKS_PER_SECOND } from "./processes.mjs";

export { TICKS_PER_SECOND };

/**
 * Loads `server` with `request` for `seconds` over `connections` keep-alive connections.
 * Returns expected answers per second, the server's CPU time per expected answer (from
 * /proc), latency, and everything that went wrong.
 */
export async function load(server, { request, expect, seconds, connections }) {
  const before = server.proc();
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    timeout: 10,
    requests: [request],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(clientBefore);
  const after = server.proc();

  const statuses = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = count;
  const expected = statuses[expect] ?? 0;
  const unexpected = Object.entries(statuses).reduce((sum, [code, count]) => (Number(code) === expect ? sum : sum + count), 0);
  const serverCpuSeconds = (after.cpuTicks - before.cpuTicks) / TICKS_PER_SECOND;
  return {
    rate: expected / elapsed,
    expected,
    unexpected,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets ?? 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: elapsed,
    /** Server CPU per expected answer, µs (user + system; 10 ms tick resolution over the run). */
    serverCpuUs: expected > 0 ? (serverCpuSeconds * 1e6) / expected : NaN,
    /** Share of one core the server used: near 1 means it, not the client, was the bottleneck. */
    serverBusy: serverCpuSeconds / elapsed,
    /** Share of one core the load generator used. */
    clientBusy: (client.user + client.system) / 1e6 / elapsed,
  };
}
