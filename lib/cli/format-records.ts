import type { InboxRecord } from "../inbox/types.js";

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const clip = (text: string, width: number) => (text.length <= width ? text : `${text.slice(0, width - 1)}…`);

/** Records as an aligned table, one line each. */
export function formatTable(records: readonly InboxRecord[]): string {
  if (records.length === 0) return "No records.\n";
  const header = ["KEY", "PROVIDER", "EVENT", "STATUS", "TRIES", "RECEIVED", "LAST ERROR"];
  const rows = [
    header,
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
  // Every row has a cell in every column, so the `?? 0` never applies.
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
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
  lines.push("payload:", indent(prettyJson(record.payload)));
  lines.push("meta:", indent(prettyJson(record.meta)));
  return lines.join("\n") + "\n";
}

function prettyJson(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed string, but JSON.stringify(undefined) is undefined
  return JSON.stringify(value, null, 2) ?? "-";
}

function indent(text: string): string {
  return text.replace(/^/gm, "  ");
}

/** Counts as one summary line. */
export function formatCounts(counts: { pending: number; failed: number; done: number }): string {
  return `pending ${counts.pending}, failed ${counts.failed}, done ${counts.done}\n`;
}
