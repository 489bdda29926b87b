import type { InboxRecord } from "../inbox/types.js";

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const clip = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);

/** Records as an aligned table, one line each. */
export function formatTable(records: readonly InboxRecord[]): string {
  if (records.length === 0) return "No records.\n";
  const rows = [
    ["KEY", "PROVIDER", "EVENT", "STATUS", "TRIES", "RECEIVED", "LAST ERROR"],
    ...records.map((r) => [
      r.key,
      r.provider,
      r.name,
      r.status,
      String(r.attempts),
      isoSeconds(r.receivedAt),
      clip((r.lastError ?? "").replace(/\s+/g, " "), 60),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

/** One record in full: its fields, then payload and meta as indented JSON. */
export function formatRecord(record: InboxRecord): string {
  const fields: [string, string][] = [
    ["key", record.key],
    ["provider", record.provider],
    ["event", `${record.name}${record.known ? "" : " (unknown event)"}`],
    ["delivery id", record.deliveryId ?? "-"],
    ["status", record.status],
    ["attempts", String(record.attempts)],
    ["received", isoSeconds(record.receivedAt)],
    ["updated", isoSeconds(record.updatedAt)],
    ["next attempt", record.status === "pending" ? isoSeconds(record.nextAttemptAt) : "-"],
    ["last error", record.lastError ?? "-"],
  ];
  const lines = fields.map(([label, value]) => `${`${label}:`.padEnd(14)}${value}`);
  lines.push("payload:", indent(JSON.stringify(record.payload, null, 2) ?? "-"));
  lines.push("meta:", indent(JSON.stringify(record.meta, null, 2) ?? "-"));
  return lines.join("\n") + "\n";
}

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}

/** Counts as one summary line. */
export function formatCounts(counts: { pending: number; failed: number; done: number }): string {
  return `pending ${counts.pending}, failed ${counts.failed}, done ${counts.done}\n`;
}
