import type { SqliteDatabase } from "./load-better-sqlite3.js";
import type { SqliteDatabaseConstructor } from "./sqlite-database-constructor.js";
import { openSqliteInbox } from "./open-sqlite-inbox.js";
import { storedJson } from "./unstorable.js";
import { byReceivedAsc, checkPositiveInteger, DEFAULT_LIST_LIMIT, DEFAULT_RETAIN_MS, PRUNE_EVERY_MS } from "./records.js";
import { fromRow, whereClause, type Row } from "./sqlite-rows.js";
import type { InboxFilter, InboxRecord, InboxStore, NewInboxRecord, PurgeFilter, LeaseOptions } from "./types.js";

export type { SqliteDatabaseConstructor };

export interface SqliteInboxOptions {
  /** The database file (created if missing), or `":memory:"` for a throwaway one. */
  path: string;
  /**
   * Whether a new inbox may be made. By default a missing file is created, and an
   * existing file is opened only if it is an inbox: one this package made (marked
   * with SQLite's `application_id` and `user_version`), or one made by an earlier
   * version (its table is recognised and the file marked). An existing file that is
   * empty (0 bytes: truncated, or damaged), unreadable, another application's or
   * without our table is refused with an error naming the path: a damaged inbox is
   * never taken for an empty one. `true` also makes an inbox in an empty file or in
   * an unmarked SQLite database (adding our table to it); `false` never makes one: the
   * file must be an inbox already (what the CLI uses).
   * @default undefined (create a missing file only)
   */
  create?: boolean;
  /** How long done records are kept; pruned opportunistically when records complete. @default 7 days */
  retainMs?: number;
  /**
   * SQLite's `synchronous` setting. `"FULL"` syncs the log on every change, so a
   * delivery acknowledged is on disk even if the machine loses power. `"NORMAL"` is
   * faster and still safe when the process crashes, but the last changes may be lost
   * on power loss or an operating-system crash.
   * @default "FULL"
   */
  synchronous?: "FULL" | "NORMAL";
  /** How long to wait for another process holding the write lock. @default 5000 */
  busyTimeoutMs?: number;
  /** better-sqlite3's default export, if it cannot be found from this package or the working directory. */
  Database?: SqliteDatabaseConstructor;
}

/**
 * The embedded, on-disk {@link InboxStore}: one SQLite file in WAL mode, needing no
 * server. Several processes on one machine may share the file: leases are taken in
 * one write transaction, so no two of them ever take the same record. Needs the
 * optional peer dependency `better-sqlite3`.
 *
 * @example
 * const inbox = new SqliteInbox({ path: "./var/webhooks.sqlite" });
 */
export class SqliteInbox implements InboxStore {
  readonly #db: SqliteDatabase;
  readonly #retainMs: number;
  readonly #statements: ReturnType<typeof prepare>;
  readonly #leaseDue: (params: LeaseParams) => Row[];
  #prunedAt = -Infinity;

  constructor({ path, create, retainMs = DEFAULT_RETAIN_MS, synchronous = "FULL", busyTimeoutMs = 5000, Database }: SqliteInboxOptions) {
    if (typeof path !== "string" || path === "") throw new TypeError('SqliteInbox needs a `path` (a file, or ":memory:").');
    checkPositiveInteger("retainMs", retainMs);
    // Checked at run time for JavaScript callers, whatever the types say.
    if (!["FULL", "NORMAL"].includes(synchronous)) throw new TypeError('synchronous must be "FULL" or "NORMAL".');
    if (create !== undefined && typeof create !== "boolean") throw new TypeError("create must be true, false or left out.");
    const db = openSqliteInbox({ path, create, busyTimeoutMs, Database });
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    this.#db = db;
    this.#retainMs = retainMs;
    this.#statements = prepare(db);
    const lease = this.#statements.lease;
    // IMMEDIATE takes the write lock before reading, so two processes cannot pick the same rows.
    const transaction = db.transaction((params: LeaseParams) => lease.all(params));
    this.#leaseDue = (params) => transaction.immediate(params);
    // Pruned at once, but without starting the throttle: callers' clocks are theirs.
    this.#statements.prune.run({ cutoff: Date.now() - retainMs });
  }

  async add(record: NewInboxRecord, { leaseMs, now }: { leaseMs: number; now: number }): Promise<boolean> {
    const result = this.#statements.insert.run({
      key: record.key,
      provider: record.provider,
      name: record.name,
      deliveryId: record.deliveryId ?? null,
      known: record.known ? 1 : 0,
      payload: toJson("payload", record.payload),
      meta: toJson("meta", record.meta),
      receivedAt: record.receivedAt,
      leaseUntil: now + leaseMs,
      attempts: leaseMs > 0 ? 1 : 0,
      now,
    });
    return result.changes === 1;
  }

  async leaseDue({ limit, leaseMs, now, provider }: LeaseOptions): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const rows = this.#leaseDue({ limit, leaseUntil: now + leaseMs, now, provider: provider ?? null });
    return rows.map(fromRow).sort(byReceivedAsc);
  }

  async complete(key: string, { now }: { now: number }): Promise<void> {
    this.#statements.complete.run({ key, now });
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) this.#prune(now);
  }

  async fail(key: string, { error, retryAt, now }: { error: string; retryAt: number | undefined; now: number }): Promise<void> {
    const status = retryAt === undefined ? "failed" : "pending";
    this.#statements.fail.run({ key, status, next: retryAt ?? now, error, now });
  }

  async get(key: string): Promise<InboxRecord | undefined> {
    const row = this.#statements.get.get(key);
    return row && fromRow(row);
  }

  async list({ status, provider, limit = DEFAULT_LIST_LIMIT }: InboxFilter = {}): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const where = whereClause({ status, provider });
    const rows = this.#db
      .prepare<Record<string, unknown>, Row>(`SELECT * FROM ewr_inbox ${where.sql} ORDER BY received_at DESC, key DESC LIMIT @limit`)
      .all({ ...where.params, limit });
    return rows.map(fromRow);
  }

  async requeue(keys: readonly string[], { now }: { now: number }): Promise<number> {
    const requeue = this.#statements.requeue;
    const run = this.#db.transaction(() => [...new Set(keys)].reduce((n, key) => n + requeue.run({ key, now }).changes, 0));
    return run.immediate();
  }

  async purge(filter: PurgeFilter): Promise<number> {
    const where = whereClause(filter);
    return this.#db.prepare(`DELETE FROM ewr_inbox ${where.sql}`).run(where.params).changes;
  }

  async counts(): Promise<{ pending: number; failed: number; done: number }> {
    const counts = { pending: 0, failed: 0, done: 0 };
    for (const { status, n } of this.#statements.counts.all()) counts[status] = n;
    return counts;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #prune(now: number): void {
    this.#prunedAt = now;
    this.#statements.prune.run({ cutoff: now - this.#retainMs });
  }
}

type LeaseParams = { limit: number; leaseUntil: number; now: number; provider: string | null };

function toJson(field: string, value: unknown): string | null {
  return value === undefined ? null : storedJson(field, value);
}

function prepare(db: SqliteDatabase) {
  return {
    insert: db.prepare(
      `INSERT OR IGNORE INTO ewr_inbox
         (key, provider, name, delivery_id, known, payload, meta, received_at, status, attempts, next_attempt_at, last_error, updated_at)
       VALUES (@key, @provider, @name, @deliveryId, @known, @payload, @meta, @receivedAt, 'pending', @attempts, @leaseUntil, NULL, @now)`,
    ),
    lease: db.prepare<LeaseParams, Row>(
      `UPDATE ewr_inbox SET attempts = attempts + 1, next_attempt_at = @leaseUntil, updated_at = @now
       WHERE key IN (SELECT key FROM ewr_inbox WHERE status = 'pending' AND next_attempt_at <= @now
                       AND (@provider IS NULL OR provider = @provider)
                     ORDER BY next_attempt_at LIMIT @limit)
       RETURNING *`,
    ),
    // A done record's next_attempt_at is when it was done: the due index then serves pruning too.
    complete: db.prepare(`UPDATE ewr_inbox SET status = 'done', next_attempt_at = @now, updated_at = @now WHERE key = @key`),
    // Only a pending record: one completed meanwhile by a worker that took over is left alone.
    fail: db.prepare(
      `UPDATE ewr_inbox SET status = @status, next_attempt_at = @next, last_error = @error, updated_at = @now
       WHERE key = @key AND status = 'pending'`,
    ),
    requeue: db.prepare(
      `UPDATE ewr_inbox SET status = 'pending', attempts = CASE status WHEN 'failed' THEN 0 ELSE attempts END,
         next_attempt_at = @now, updated_at = @now
       WHERE key = @key`,
    ),
    prune: db.prepare(`DELETE FROM ewr_inbox WHERE status = 'done' AND next_attempt_at < @cutoff`),
    get: db.prepare<[string], Row>(`SELECT * FROM ewr_inbox WHERE key = ?`),
    counts: db.prepare<[], { status: "pending" | "failed" | "done"; n: number }>(
      `SELECT status, count(*) AS n FROM ewr_inbox GROUP BY status`,
    ),
  };
}
