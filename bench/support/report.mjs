// Medians, ratios and the Markdown tables `npm run bench` prints (pasted as is into
// BENCHMARKS.md).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function machine() {
  let cpu = "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    // Not Linux.
  }
  let kernel = "";
  try {
    kernel = execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim();
  } catch {
    // No uname.
  }
  return {
    cpu,
    cpus: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel,
    loadAverage: loadavg()
      .map((n) => n.toFixed(2))
      .join(" "),
  };
}

const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";
const ratio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "–");
const size = (bytes) =>
  bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(bytes % 1_000_000 ? 2 : 0)} MB` : `${Math.round(bytes / 1024)} KB`;

export function table(headers, rows) {
  const lines = [`| ${headers.join(" | ")} |`, `|${headers.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

/** The median over rounds of `of(this round's run, the other's run in the same round)`. */
function perRound(row, other, of) {
  return median(row.runs.map((run, round) => of(run, other?.runs[round])));
}

/** One row per scenario: the medians and what they are relative to. */
export function summarize(scenarios, results) {
  const byId = new Map();
  for (const scenario of scenarios) {
    const runs = results.get(scenario.id) ?? [];
    byId.set(scenario.id, {
      scenario,
      runs,
      rate: median(runs.map((r) => r.rate)),
      min: Math.min(...runs.map((r) => r.rate)),
      max: Math.max(...runs.map((r) => r.rate)),
      cpuUs: median(runs.map((r) => r.serverCpuUs)),
      p99: median(runs.map((r) => r.p99)),
      serverBusy: median(runs.map((r) => r.serverBusy)),
      clientBusy: median(runs.map((r) => r.clientBusy)),
      unexpected: runs.reduce((sum, r) => sum + r.unexpected, 0),
      errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      statuses: runs.reduce((all, r) => {
        for (const [code, count] of Object.entries(r.statuses)) all[code] = (all[code] ?? 0) + count;
        return all;
      }, {}),
    });
  }
  // Ratios are taken round by round (this scenario against its ceiling in the same round),
  // then the median over rounds: the machine drifts between rounds by more than the
  // differences measured, and a drift hits both sides of a same-round ratio alike.
  const ceiling1k = byId.get("bare-express@1KB");
  for (const row of byId.values()) {
    const ceiling = byId.get(row.scenario.ceiling);
    row.ratio = perRound(row, ceiling, (run, base) => run.rate / (base?.rate ?? NaN));
    row.ratio1k = perRound(row, ceiling1k, (run, base) => run.rate / (base?.rate ?? NaN));
    // The same comparison from CPU time per answer: robust when other processes share the core.
    row.cpuRatio = perRound(row, ceiling, (run, base) => (base?.serverCpuUs ?? NaN) / run.serverCpuUs);
  }
  return byId;
}

export function resultsTable(summary, peaks) {
  const rows = [...summary.values()].map((row) => [
    `\`${row.scenario.id}\``,
    size(row.scenario.size),
    `${fmt(row.rate)} (${fmt(row.min)}–${fmt(row.max)})`,
    ratio(row.ratio),
    ratio(row.ratio1k),
    fmt(row.cpuUs),
    ratio(row.cpuRatio),
    fmt(row.p99),
    `${fmt(row.serverBusy * 100)}%`,
    fmt((peaks.get(row.scenario.id) ?? NaN) / 1024, 0),
    row.unexpected + row.errors === 0 ? "0" : `${row.unexpected} / ${row.errors}`,
  ]);
  return table(
    [
      "scenario",
      "body",
      "answers/s median (min–max)",
      "× bare Express, same body",
      "× bare Express 1 KB",
      "server CPU µs/answer",
      "× bare Express by CPU µs",
      "p99 ms",
      "server core busy",
      "peak RSS MB",
      "other answers / socket errors",
    ],
    rows,
  );
}

/** Each target of issue 5, met or missed, with the numbers behind it. */
export function targetsTable(summary) {
  const rows = [];
  for (const row of summary.values()) {
    const target = row.scenario.target;
    if (!target) continue;
    if (target.min !== undefined) {
      rows.push([
        `\`${row.scenario.id}\` ≥ ${target.min.toFixed(2)}× bare Express (same body)`,
        `${ratio(row.ratio)} by answers/s (${ratio(row.cpuRatio)} by CPU µs)`,
        row.ratio >= target.min ? "met" : "**missed**",
      ]);
    }
    for (const peer of target.beatPeers ?? []) {
      const other = summary.get(peer);
      if (!other) continue;
      const lead = perRound(row, other, (run, base) => run.rate / (base?.rate ?? NaN));
      rows.push([
        `\`${row.scenario.id}\` beats \`${peer}\``,
        `${fmt(row.rate)} vs ${fmt(other.rate)} /s (${ratio(lead)} round by round)`,
        lead > 1 ? "met" : "**missed**",
      ]);
    }
    if (target.cheaperThan) {
      const other = summary.get(target.cheaperThan);
      if (!other) continue;
      rows.push([
        `\`${row.scenario.id}\` costs less than \`${target.cheaperThan}\``,
        `${fmt(row.cpuUs)} vs ${fmt(other.cpuUs)} µs CPU; ${fmt(row.rate)} vs ${fmt(other.rate)} /s`,
        row.cpuUs < other.cpuUs ? "met" : "**missed**",
      ]);
    }
  }
  return table(["target", "measured", "result"], rows);
}

export { fmt, ratio, size };

/** Least-squares slope of y over x (points `[x, y]`), with its standard error. */
export function trend(points) {
  const n = points.length;
  if (n < 3) return { slope: 0, error: Infinity };
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return { slope: 0, error: Infinity };
  const slope = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  const residuals = points.reduce((s, [x, y]) => s + (y - my - slope * (x - mx)) ** 2, 0);
  return { slope, error: Math.sqrt(residuals / (n - 2) / sxx) };
}
