import type { PgPool } from "./postgres-client.js";

/** The default table of a PostgresInbox. */
export const DEFAULT_TABLE = "ewr_inbox";

/** A table name checked and quoted once, at construction. */
export interface TableName {
  /** As given, for messages. */
  readonly given: string;
  /** The schema, quoted, when the name was qualified. */
  readonly schema: string | undefined;
  /** `"schema"."table"` or `"table"`: safe to put into SQL. */
  readonly qualified: string;
  /** Quoted index name `<table>_<suffix>` (indexes live in the table's schema). */
  index(suffix: string): string;
}

// One identifier: plain (folded to lower case, as PostgreSQL does) or double-quoted ("" escapes a quote).
const IDENTIFIER = /^(?:([A-Za-z_][A-Za-z0-9_$]*)|"((?:[^"\0]|"")+)")/;
// PostgreSQL's NAMEDATALEN - 1; leave room for the longest index suffix ("_received").
const MAX_TABLE_BYTES = 63 - "_received".length;

/**
 * Parses `table` or `schema.table`, each part a plain identifier (`webhook_inbox`,
 * folded to lower case) or a quoted one (`"Webhook Inbox"`, kept as written). Anything
 * else is refused: the name is put into SQL, so it is never taken on trust.
 */
export function parseTableName(given: string): TableName {
  if (typeof given !== "string") throw new TypeError('table must be a string such as "ewr_inbox" or "app.webhook_inbox".');
  const parts: string[] = [];
  let rest = given;
  for (;;) {
    const match = IDENTIFIER.exec(rest);
    if (match === null) {
      // A dot left dangling ("app.") is no name either.
      if (parts.length > 0) rest = `.${rest}`;
      break;
    }
    const [, plain, quoted = ""] = match;
    parts.push(plain !== undefined ? plain.toLowerCase() : quoted.replaceAll('""', '"'));
    rest = rest.slice(match[0].length);
    if (!rest.startsWith(".")) break;
    rest = rest.slice(1);
  }
  const [first, second, ...more] = parts;
  if (rest !== "" || first === undefined || more.length > 0) {
    throw new TypeError(
      `table ${JSON.stringify(given)} is not a table name: use an identifier (letters, digits, _ and $, not ` +
        'starting with a digit), optionally schema-qualified ("app.webhook_inbox"), or double-quote each part.',
    );
  }
  const [schema, name] = second === undefined ? [undefined, first] : [first, second];
  for (const part of parts) {
    if (Buffer.byteLength(part) > MAX_TABLE_BYTES)
      throw new TypeError(`table ${JSON.stringify(given)}: a part is over ${MAX_TABLE_BYTES} bytes.`);
  }
  return {
    given,
    schema: schema === undefined ? undefined : quote(schema),
    qualified: schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`,
    index: (suffix) => quote(`${name}_${suffix}`),
  };
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * The SQL that makes a PostgresInbox's table and indexes, for teams that run their own
 * migrations (`inbox.createSchema()` runs the same). Idempotent (`IF NOT EXISTS`).
 *
 * Payload and meta are `text`, not `jsonb`: the inbox hands back exactly the JSON it
 * was given (jsonb reorders keys and drops duplicates), and jsonb refuses a `\u0000`
 * in a string, which JSON allows. Times are epoch milliseconds in `bigint`.
 *
 * @example
 * console.log(postgresInboxSchema({ table: "app.webhook_inbox" }));
 */
export function postgresInboxSchema({ table = DEFAULT_TABLE }: { table?: string } = {}): string {
  return schemaSql(parseTableName(table));
}

export function schemaSql(table: TableName): string {
  const t = table.qualified;
  return `${table.schema === undefined ? "" : `CREATE SCHEMA IF NOT EXISTS ${table.schema};\n`}CREATE TABLE IF NOT EXISTS ${t} (
  key             text PRIMARY KEY,
  provider        text NOT NULL,
  name            text NOT NULL,
  delivery_id     text,
  known           boolean NOT NULL,
  payload         text,
  meta            text,
  received_at     bigint NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  attempts        integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  last_error      text,
  updated_at      bigint NOT NULL
);
-- Leases (pending, due first) and pruning (done, oldest first) both range over it.
CREATE INDEX IF NOT EXISTS ${table.index("due")} ON ${t} (status, next_attempt_at);
-- list: newest first.
CREATE INDEX IF NOT EXISTS ${table.index("received")} ON ${t} (received_at DESC, key DESC);
`;
}

// First key of pg_advisory_xact_lock(int, int): "EWRI", the same mark as the SQLite inbox's.
const LOCK_SPACE = 0x45575249 | 0;

/**
 * Runs the schema SQL in one transaction, under an advisory lock on the table's name:
 * `CREATE ... IF NOT EXISTS` alone is not safe concurrently (two sessions may both find
 * the table missing, and the second fails on a duplicate type).
 */
export async function createSchema(pool: PgPool, table: TableName): Promise<void> {
  await createSchemaWith(pool, table, schemaSql(table));
}

/** Runs `sql` as {@link createSchema} does: in one transaction, under the table's advisory lock. */
export async function createSchemaWith(pool: PgPool, table: TableName, sql: string): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_SPACE, table.qualified]);
    await client.query(sql);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
