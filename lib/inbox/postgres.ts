import type { PgClientOf, PgPool, PgPoolClient } from "./postgres-client.js";
import { holdPool, type HeldPool } from "./postgres-pool.js";
import { asRecordFailure, missingTable } from "./postgres-errors.js";
import { fromPgRow, pgWhere, type PgRow } from "./postgres-rows.js";
import { createSchema, DEFAULT_TABLE, parseTableName, type TableName } from "./postgres-schema.js";
import { runInTransaction } from "./postgres-transaction.js";
import { byReceivedAsc, checkPositiveInteger, DEFAULT_LIST_LIMIT, DEFAULT_RETAIN_MS, PRUNE_EVERY_MS } from "./records.js";
import type { InboxFilter, InboxRecord, InboxStore, LeaseOptions, NewInboxRecord, PurgeFilter } from "./types.js";
import { storedJson } from "./unstorable.js";

export interface PostgresInboxOptions<Pool extends PgPool = PgPool> {
  /** A `pg.Pool` of yours (closed by you, not by `close()`). Give this or `connectionString`. */
  pool?: Pool;
  /**
   * A `postgres://` URL: the inbox makes its own pool (at most 10 connections, 5 s to
   * connect) and ends it on `close()`. Needs the optional peer dependency `pg`.
   */
  connectionString?: string;
  /**
   * The table, optionally schema-qualified (`"app.webhook_inbox"`); plain identifiers
   * or double-quoted ones. Created by `createSchema()`, never implicitly.
   * @default "ewr_inbox"
   */
  table?: string;
  /** How long done records are kept; pruned at most once a minute as records complete. @default 7 days */
  retainMs?: number;
  /**
   * Exactly-once effects: with `true` the inbox has `runInTransaction`, so each attempt
   * runs in one transaction that also marks the record done, and listeners write through
   * `inbox.transactionOf(event)`. With `false` the inbox has no `runInTransaction`: the
   * receiver dispatches and completes as with any store (at-least-once).
   * @default false
   */
  transactional?: boolean;
  /**
   * With `transactional`: how long an attempt waits for its delivery's row lock. Another
   * worker's lease statement holds it for a moment now and then; past this wait, another
   * worker's transaction is running the delivery, and this attempt leaves it to that one.
   * @default 5000
   */
  lockTimeoutMs?: number;
  /** Told when an idle connection of the pool fails (see the class). @default a process warning */
  onPoolError?: (error: Error) => void;
}

/**
 * An {@link InboxStore} in PostgreSQL, for several instances (and separate worker
 * processes) sharing one database. Every change is one statement; leases are
 * `FOR UPDATE SKIP LOCKED`, so no two instances ever take the same record, and a record
 * whose worker died becomes due again when its lease runs out. Durable when the promise
 * resolves (committed; with the server's default `synchronous_commit = on`, on disk).
 *
 * A store error caused by the record itself (a NUL character in a key, a value too
 * large: SQLSTATE classes 22, 23, 54) rejects with an `UnstorableRecordError` (answered
 * 422); anything else (the server down or restarting) is an outage, answered 503.
 *
 * Idle connections that die (a server restart) are handled: see `onPoolError`.
 *
 * @example
 * import pg from "pg";
 * const inbox = new PostgresInbox({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) });
 * await inbox.createSchema();
 */
export class PostgresInbox<Pool extends PgPool = PgPool> implements InboxStore {
  /** Present with `transactional: true` only: see {@link InboxStore.runInTransaction}. */
  readonly runInTransaction?: (key: string, event: object, attempt: () => Promise<void>, options: { now: number }) => Promise<boolean>;
  readonly #held: HeldPool<PgPoolClient>;
  readonly #pool: PgPool;
  readonly #table: TableName;
  readonly #retainMs: number;
  readonly #bound = new WeakMap<object, PgPoolClient>();
  #prunedAt = -Infinity;

  constructor({
    pool,
    connectionString,
    table = DEFAULT_TABLE,
    retainMs = DEFAULT_RETAIN_MS,
    transactional = false,
    lockTimeoutMs = 5000,
    onPoolError,
  }: PostgresInboxOptions<Pool>) {
    this.#table = parseTableName(table);
    checkPositiveInteger("retainMs", retainMs);
    this.#retainMs = retainMs;
    if (typeof transactional !== "boolean") throw new TypeError("transactional must be true or false.");
    checkPositiveInteger("lockTimeoutMs", lockTimeoutMs);
    this.#held = holdPool("PostgresInbox", { pool, connectionString, onPoolError });
    this.#pool = this.#held.pool;
    if (transactional) {
      const run = { pool: this.#pool, table: this.#table, bound: this.#bound, lockTimeoutMs };
      this.runInTransaction = async (key, event, attempt, { now }) => {
        const ran = await runInTransaction(run, key, event, attempt, now);
        if (ran) await this.#pruneNow(now).catch(() => undefined);
        return ran;
      };
    }
  }

  /** Creates the table and its indexes if missing: idempotent, safe from several processes at once. */
  async createSchema(): Promise<void> {
    await createSchema(this.#pool, this.#table);
  }

  /**
   * The pg client of the transaction running `event`'s attempt (with `transactional:
   * true`): what a listener writes through it commits with the delivery's "done", or
   * not at all.
   *
   * @example
   * receiver.on("note", async (event) => {
   *   await inbox.transactionOf(event).query("INSERT INTO notes (id, text) VALUES ($1, $2)", [event.id, event.payload.body.note.text]);
   * });
   */
  transactionOf(event: object): PgClientOf<Pool> {
    const client = this.#bound.get(event);
    if (client === undefined) {
      throw new TypeError(
        this.runInTransaction === undefined
          ? "transactionOf(event): this PostgresInbox is not transactional; create it with `transactional: true`."
          : "transactionOf(event): this event has no transaction running: call it from a listener, while the event is dispatched (not after it returned, and not for an event of another inbox).",
      );
    }
    return client;
  }

  async add(record: NewInboxRecord, { leaseMs, now }: { leaseMs: number; now: number }): Promise<boolean> {
    const payload = record.payload === undefined ? null : storedJson("payload", record.payload);
    const meta = record.meta === undefined ? null : storedJson("meta", record.meta);
    const values = [
      record.key,
      record.provider,
      record.name,
      record.deliveryId ?? null,
      record.known,
      payload,
      meta,
      record.receivedAt,
      now + leaseMs,
      now,
      // A record left for workers (no lease) has had no attempt yet.
      leaseMs > 0 ? 1 : 0,
    ];
    const sql = `INSERT INTO ${this.#table.qualified}
        (key, provider, name, delivery_id, known, payload, meta, received_at, status, attempts, next_attempt_at, last_error, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $11, $9, NULL, $10)
      ON CONFLICT (key) DO NOTHING`;
    const result = await this.#query(sql, values).catch((error: unknown) => {
      throw asRecordFailure(error);
    });
    return result.rowCount === 1;
  }

  async leaseDue({ limit, leaseMs, now, provider }: LeaseOptions): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const t = this.#table.qualified;
    const { rows } = await this.#query(
      `UPDATE ${t} SET attempts = attempts + 1, next_attempt_at = $1, updated_at = $2
       WHERE key IN (SELECT key FROM ${t} WHERE status = 'pending' AND next_attempt_at <= $2 AND ($4::text IS NULL OR provider = $4)
                     ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now + leaseMs, now, limit, provider ?? null],
    );
    return (rows as PgRow[]).map(fromPgRow).sort(byReceivedAsc);
  }

  async complete(key: string, { now }: { now: number }): Promise<void> {
    // A done record's next_attempt_at is when it was done: the due index then serves pruning too.
    await this.#query(`UPDATE ${this.#table.qualified} SET status = 'done', next_attempt_at = $2, updated_at = $2 WHERE key = $1`, [
      key,
      now,
    ]);
    // The record is done either way; a prune that fails is tried again a minute later.
    await this.#pruneNow(now).catch(() => undefined);
  }

  async fail(key: string, { error, retryAt, now }: { error: string; retryAt: number | undefined; now: number }): Promise<void> {
    // Only a pending record: one completed meanwhile by a worker that took over is left alone.
    await this.#query(
      `UPDATE ${this.#table.qualified} SET status = $2, next_attempt_at = $3, last_error = $4, updated_at = $5 WHERE key = $1 AND status = 'pending'`,
      [key, retryAt === undefined ? "failed" : "pending", retryAt ?? now, error, now],
    );
  }

  async get(key: string): Promise<InboxRecord | undefined> {
    const { rows } = await this.#query(`SELECT * FROM ${this.#table.qualified} WHERE key = $1`, [key]);
    const row = rows[0] as PgRow | undefined;
    return row && fromPgRow(row);
  }

  async list({ status, provider, limit = DEFAULT_LIST_LIMIT }: InboxFilter = {}): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const where = pgWhere({ status, provider });
    const sql = `SELECT * FROM ${this.#table.qualified} ${where.sql} ORDER BY received_at DESC, key DESC LIMIT $${where.values.length + 1}`;
    const { rows } = await this.#query(sql, [...where.values, limit]);
    return (rows as PgRow[]).map(fromPgRow);
  }

  async requeue(keys: readonly string[], { now }: { now: number }): Promise<number> {
    if (keys.length === 0) return 0;
    const { rowCount } = await this.#query(
      `UPDATE ${this.#table.qualified} SET status = 'pending', attempts = CASE status WHEN 'failed' THEN 0 ELSE attempts END,
         next_attempt_at = $2, updated_at = $2
       WHERE key = ANY($1::text[])`,
      [[...new Set(keys)], now],
    );
    return rowCount ?? 0;
  }

  async purge(filter: PurgeFilter): Promise<number> {
    const where = pgWhere(filter);
    const { rowCount } = await this.#query(`DELETE FROM ${this.#table.qualified} ${where.sql}`, where.values);
    return rowCount ?? 0;
  }

  async counts(): Promise<{ pending: number; failed: number; done: number }> {
    const { rows } = await this.#query(`SELECT status, count(*)::int AS n FROM ${this.#table.qualified} GROUP BY status`);
    const counts = { pending: 0, failed: 0, done: 0 };
    for (const { status, n } of rows as { status: keyof typeof counts; n: number }[]) counts[status] = n;
    return counts;
  }

  /** Ends the pool made from `connectionString`; a pool given as `pool` is left to its owner. */
  async close(): Promise<void> {
    await this.#held.release();
  }

  async #pruneNow(now: number): Promise<void> {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    await this.#query(`DELETE FROM ${this.#table.qualified} WHERE status = 'done' AND next_attempt_at < $1`, [now - this.#retainMs]);
  }

  async #query(sql: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> {
    try {
      return await this.#pool.query(sql, values);
    } catch (error) {
      throw missingTable(error, this.#table);
    }
  }
}
