import type { InboxRecord, InboxStatus, PurgeFilter } from "./types.js";

/** The inbox table. `next_attempt_at` leads the due index: leases and pruning both range over it. */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS ewr_inbox (
    key             TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    name            TEXT NOT NULL,
    delivery_id     TEXT,
    known           INTEGER NOT NULL,
    payload         TEXT,
    meta            TEXT,
    received_at     INTEGER NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS ewr_inbox_due ON ewr_inbox (status, next_attempt_at);
`;

/** One row of `ewr_inbox`, as better-sqlite3 returns it. */
export interface Row {
  key: string;
  provider: string;
  name: string;
  delivery_id: string | null;
  known: number;
  payload: string | null;
  meta: string | null;
  received_at: number;
  status: InboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  updated_at: number;
}

/** A row as the record the store hands out (JSON columns parsed, NULLs as undefined). */
export function fromRow(row: Row): InboxRecord {
  return {
    key: row.key,
    provider: row.provider,
    name: row.name,
    deliveryId: row.delivery_id ?? undefined,
    known: row.known === 1,
    payload: fromJson(row.payload),
    meta: fromJson(row.meta),
    receivedAt: row.received_at,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error ?? undefined,
    updatedAt: row.updated_at,
  };
}

function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

/** A `WHERE` clause over the filter's fields, with named parameters (never interpolated values). */
export function whereClause(filter: PurgeFilter): { sql: string; params: Record<string, string | number> } {
  const conditions: string[] = [];
  const params: Record<string, string | number> = {};
  if (filter.status !== undefined) {
    conditions.push("status = @status");
    params.status = filter.status;
  }
  if (filter.provider !== undefined) {
    conditions.push("provider = @provider");
    params.provider = filter.provider;
  }
  if (filter.before !== undefined) {
    conditions.push("updated_at < @before");
    params.before = filter.before;
  }
  return { sql: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}
