import type { PgPool, PgPoolClient } from "../inbox/postgres-client.js";
import { holdPool, type HeldPool } from "../inbox/postgres-pool.js";
import { createSchemaWith, parseTableName, type TableName } from "../inbox/postgres-schema.js";
import type { DedupeStore } from "./types.js";

export interface PostgresStoreOptions {
  /** A `pg.Pool` of yours (closed by you). Give this or `connectionString`. */
  pool?: PgPool;
  /** A `postgres://` URL: the store makes its own pool and ends it on `close()`. Needs `pg`. */
  connectionString?: string;
  /** The table, optionally schema-qualified. Created by `createSchema()`. @default "ewr_dedupe" */
  table?: string;
  /** Told when an idle connection of the pool fails. @default a process warning */
  onPoolError?: (error: Error) => void;
}

// Expiry is judged by the server's clock, the one clock every instance shares.
const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
/** Expired rows are deleted (a bounded batch) at most this often, as keys are set. */
const SWEEP_EVERY_MS = 60_000;

/**
 * The SQL of a PostgresStore's table, for teams that run their own migrations
 * (`store.createSchema()` runs the same). Idempotent.
 */
export function postgresStoreSchema({ table = "ewr_dedupe" }: { table?: string } = {}): string {
  return storeSchemaSql(parseTableName(table));
}

function storeSchemaSql(table: TableName): string {
  return `${table.schema === undefined ? "" : `CREATE SCHEMA IF NOT EXISTS ${table.schema};\n`}CREATE TABLE IF NOT EXISTS ${table.qualified} (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ${table.index("expires")} ON ${table.qualified} (expires_at);
`;
}

/**
 * A {@link DedupeStore} in PostgreSQL, for dedupe shared by several instances without
 * an inbox (with a PostgresInbox, the inbox's keys already are the dedupe record).
 * Every method is one statement, so a claim (`onlyIfAbsent`), `deleteIf` and `renew`
 * are atomic: of N instances claiming one delivery, exactly one wins. An expired key is
 * absent to every method, and is deleted in the background as keys are set.
 *
 * @example
 * const dedupe = new PostgresStore({ pool });
 * await dedupe.createSchema();
 */
export class PostgresStore implements DedupeStore {
  readonly #held: HeldPool<PgPoolClient>;
  readonly #pool: PgPool;
  readonly #table: TableName;
  #sweptAt = -Infinity;

  constructor({ pool, connectionString, table = "ewr_dedupe", onPoolError }: PostgresStoreOptions) {
    this.#table = parseTableName(table);
    this.#held = holdPool("PostgresStore", { pool, connectionString, onPoolError });
    this.#pool = this.#held.pool;
  }

  /** Creates the table if missing: idempotent, safe from several processes at once. */
  async createSchema(): Promise<void> {
    await createSchemaWith(this.#pool, this.#table, storeSchemaSql(this.#table));
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query(`SELECT value FROM ${this.#table.qualified} WHERE key = $1 AND expires_at > ${NOW_MS}`, [key]);
    return (rows[0] as { value: string } | undefined)?.value;
  }

  async set(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    const t = this.#table.qualified;
    // An expired key counts as absent: it is taken over in the same statement.
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${t} AS t (key, value, expires_at) VALUES ($1, $2, ${NOW_MS} + $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
       ${onlyIfAbsent ? `WHERE t.expires_at <= ${NOW_MS}` : ""}`,
      [key, value, ttl(ttlMs)],
    );
    this.#sweep();
    return rowCount === 1;
  }

  async delete(key: string): Promise<void> {
    await this.#pool.query(`DELETE FROM ${this.#table.qualified} WHERE key = $1`, [key]);
  }

  /** Compare-and-delete in one statement; an expired key is not there. */
  async deleteIf(key: string, value: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ${this.#table.qualified} WHERE key = $1 AND value = $2 AND expires_at > ${NOW_MS}`,
      [key, value],
    );
    return rowCount === 1;
  }

  /** Compare-and-expire in one statement; never brings back an expired key. */
  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE ${this.#table.qualified} SET expires_at = ${NOW_MS} + $3 WHERE key = $1 AND value = $2 AND expires_at > ${NOW_MS}`,
      [key, value, ttl(ttlMs)],
    );
    return rowCount === 1;
  }

  /** Ends the pool made from `connectionString`; a pool given as `pool` is left to its owner. */
  async close(): Promise<void> {
    await this.#held.release();
  }

  /** Deletes up to 1000 expired keys, at most once a minute, without holding up the caller. */
  #sweep(): void {
    const now = Date.now();
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    const t = this.#table.qualified;
    this.#pool
      .query(`DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= ${NOW_MS} LIMIT 1000 FOR UPDATE SKIP LOCKED)`)
      .catch(() => undefined);
  }
}

/** Whole milliseconds, at least 1: a key is kept at least as long as asked. */
function ttl(ttlMs: number): number {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new TypeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}.`);
  return Math.max(1, Math.ceil(ttlMs));
}
