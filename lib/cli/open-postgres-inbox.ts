import { errorMessage } from "../inbox/error-message.js";
import { createPgPool } from "../inbox/load-pg.js";
import { PostgresInbox } from "../inbox/postgres.js";
import { DEFAULT_TABLE, parseTableName } from "../inbox/postgres-schema.js";
import { requirePeer } from "../inbox/require-peer.js";
import { redactUrl } from "./redact-url.js";

/**
 * Opens the PostgresInbox at `url`, checking first that its table is there: the CLI
 * never creates a schema, and a mistyped table or database must say so rather than
 * look like an empty inbox.
 */
export async function openPostgresInbox(url: string, table = DEFAULT_TABLE): Promise<{ store: PostgresInbox; close(): Promise<void> }> {
  const name = parseTableName(table);
  if (requirePeer("pg") === undefined) {
    throw new Error(
      "--postgres needs the optional peer dependency pg, and no copy of it was found (looked up from this " +
        "package, the working directory and the running script): npm install pg",
    );
  }
  const pool = createPgPool(url);
  const store = new PostgresInbox({ pool, table, onPoolError: () => undefined });
  const close = async () => {
    await store.close();
    await pool.end?.();
  };
  let present: boolean;
  try {
    const { rows } = await pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [name.qualified]);
    present = (rows[0] as { present: boolean } | undefined)?.present === true;
  } catch (error) {
    await close();
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(url)}: ${errorMessage(error)}`, { cause: error });
  }
  if (!present) {
    await close();
    throw new Error(`No inbox table ${table} at ${redactUrl(url)} (nothing was created). Check --table and the database in the URL.`);
  }
  return { store, close };
}
