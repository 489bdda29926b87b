import type { InboxRecord, InboxStatus, PurgeFilter } from "./types.js";

/** One row of the inbox table as pg returns it: `bigint` columns come as strings. */
export interface PgRow {
  key: string;
  provider: string;
  name: string;
  delivery_id: string | null;
  known: boolean;
  payload: string | null;
  meta: string | null;
  received_at: string;
  status: InboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  updated_at: string;
}

/** A row as the record the store hands out (JSON parsed, epoch ms as numbers, NULLs as undefined). */
export function fromPgRow(row: PgRow): InboxRecord {
  return {
    key: row.key,
    provider: row.provider,
    name: row.name,
    deliveryId: row.delivery_id ?? undefined,
    known: row.known,
    payload: fromJson(row.payload),
    meta: fromJson(row.meta),
    receivedAt: Number(row.received_at),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error ?? undefined,
    updatedAt: Number(row.updated_at),
  };
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

/** A `WHERE` clause over the filter's fields, with `$n` parameters from `first` on (never interpolated values). */
export function pgWhere(filter: PurgeFilter, first = 1): { sql: string; values: (string | number)[] } {
  const conditions: string[] = [];
  const values: (string | number)[] = [];
  const add = (column: string, operator: string, value: string | number) => {
    values.push(value);
    conditions.push(`${column} ${operator} $${first + values.length - 1}`);
  };
  if (filter.status !== undefined) add("status", "=", filter.status);
  if (filter.provider !== undefined) add("provider", "=", filter.provider);
  if (filter.before !== undefined) add("updated_at", "<", filter.before);
  return { sql: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, values };
}
