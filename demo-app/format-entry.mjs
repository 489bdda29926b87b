// One console line per log entry, aligned so a burst of deliveries reads as a table.

const MARKS = { accepted: "✓", duplicate: "=", failed: "!", rejected: "✗", queued: "→" };

/** e.g. `10:42:07 ✓ misskey          200  note via firefish (3f1c…)  2.4 ms` */
export function formatEntry(entry) {
  const time = new Date(entry.at).toTimeString().slice(0, 8);
  const status = String(entry.status ?? "---").padEnd(4);
  const what = [
    entry.name,
    entry.software && `via ${entry.software}`,
    entry.id && `(${entry.id})`,
    entry.reason,
    entry.outcome === "duplicate" && "duplicate, not dispatched",
    entry.outcome === "queued" && "queued for a worker",
    entry.via === "worker" && "run by the worker",
  ]
    .filter(Boolean)
    .join(" ");
  return `${time} ${MARKS[entry.outcome] ?? "?"} ${entry.provider.padEnd(16)} ${status} ${what || "-"}  ${entry.latencyMs.toFixed(1)} ms`;
}
