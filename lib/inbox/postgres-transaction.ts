import type { PgPool, PgPoolClient } from "./postgres-client.js";
import type { TableName } from "./postgres-schema.js";

/** SQLSTATE 55P03: lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = "55P03";

export interface TransactionRun<Client extends PgPoolClient> {
  pool: PgPool<Client>;
  table: TableName;
  /** How long an attempt waits for its record's row lock before leaving it to whoever holds it. */
  lockTimeoutMs: number;
  /** The inbox's own map of events to the transaction running them. */
  bound: WeakMap<object, Client>;
}

/**
 * `InboxStore.runInTransaction` over one client of the pool: the row is locked
 * (`FOR UPDATE`, waiting at most lockTimeoutMs: a second worker running it gets false),
 * `attempt` runs with `event` bound to the client, and the record is marked done in the
 * same transaction as whatever the listeners wrote through it.
 */
export async function runInTransaction<Client extends PgPoolClient>(
  { pool, table, bound, lockTimeoutMs }: TransactionRun<Client>,
  key: string,
  event: object,
  attempt: () => Promise<void>,
  now: number,
): Promise<boolean> {
  const client = await pool.connect();
  // Its connection may die while the listener runs (no query active): without a
  // listener that "error" would crash the process. The next query fails instead.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on?.("error", onError);
  try {
    // Not SKIP LOCKED: another worker's lease statement may hold the row for a moment (READ
    // COMMITTED keeps a lock on a row it rechecked and then passed over until the statement
    // ends), and skipping it then left the delivery to wait out its whole lease. A wait past
    // lockTimeoutMs means another worker's transaction is running this delivery: not ours.
    await client.query(`BEGIN; SET LOCAL lock_timeout = ${String(lockTimeoutMs)}`);
    const locked = await client.query(`SELECT status FROM ${table.qualified} WHERE key = $1 FOR UPDATE`, [key]).then(
      ({ rows }) => (rows[0] as { status?: string } | undefined)?.status,
      (error: unknown) => {
        if (codeOf(error) === LOCK_NOT_AVAILABLE) return undefined;
        throw error;
      },
    );
    if (locked !== "pending") {
      await client.query("ROLLBACK");
      return false;
    }
    // The listeners' own statements wait for locks as the server is configured to.
    await client.query("SET LOCAL lock_timeout TO DEFAULT");
    if (bound.has(event)) throw new TypeError("This event is already running in a transaction.");
    bound.set(event, client);
    try {
      await attempt();
    } finally {
      bound.delete(event);
    }
    // A statement that failed inside the listener (and was caught there) aborted the
    // transaction: nothing of it can be committed (25P02; or COMMIT answered ROLLBACK).
    const done = await client
      .query(`UPDATE ${table.qualified} SET status = 'done', next_attempt_at = $2, updated_at = $2 WHERE key = $1`, [key, now])
      .catch((error: unknown) => {
        throw codeOf(error) === "25P02" ? rolledBack(key, error) : error;
      });
    // Locked and pending: only a listener deleting the record could make this 0.
    if (done.rowCount !== 1) throw new Error(`The record ${key} was removed during its own attempt; nothing was committed.`);
    const commit = await client.query("COMMIT");
    if (commit.command === "ROLLBACK") throw rolledBack(key, undefined);
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.removeListener?.("error", onError);
    // With an error the pool discards the client rather than hand out a broken connection.
    client.release(broken);
  }
}

function rolledBack(key: string, cause: unknown): Error {
  return new Error(
    `The transaction of ${key} was rolled back: a statement in it failed (and a listener caught the error), so nothing was committed.`,
    { cause },
  );
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}
