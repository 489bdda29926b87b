import { errorMessage } from "./error-message.js";
import { createPgPool } from "./load-pg.js";
import { isPgPool, type PgPool, type PgPoolClient } from "./postgres-client.js";

/** The pool a PostgreSQL store works on, and how to let go of it. */
export interface HeldPool<Client extends PgPoolClient> {
  pool: PgPool<Client>;
  release(): Promise<void>;
}

export interface PoolOptions<Client extends PgPoolClient> {
  pool?: PgPool<Client>;
  connectionString?: string;
  onPoolError?: (error: Error) => void;
}

/**
 * The caller's pool, or one of our own over `connectionString` (ended by `release`).
 *
 * pg's Pool emits "error" when an idle connection dies (the server restarted, a
 * proxy cut it): with no listener, Node turns that into a crash. So our pool always
 * has one, and so does a caller's pool that has none of its own (theirs is left alone
 * if it has one): `onPoolError`, by default a process warning, one line on stderr.
 */
export function holdPool<Client extends PgPoolClient>(owner: string, options: PoolOptions<Client>): HeldPool<Client> {
  const { pool: given, connectionString, onPoolError = warn(owner) } = options;
  if ((given === undefined) === (connectionString === undefined)) {
    throw new TypeError(`${owner} needs either \`pool\` (a pg.Pool) or \`connectionString\`, not both.`);
  }
  let pool: PgPool<Client>;
  if (given !== undefined) {
    if (!isPgPool(given)) throw new TypeError(`${owner}: \`pool\` must be a pg.Pool (with query and connect).`);
    pool = given;
  } else {
    if (typeof connectionString !== "string" || connectionString === "")
      throw new TypeError(`${owner}: \`connectionString\` must be a postgres:// URL.`);
    pool = createPgPool(connectionString) as PgPool<Client>;
  }
  const listening = given === undefined || (pool.listenerCount?.("error") ?? 0) === 0;
  if (listening) pool.on?.("error", onPoolError);
  return {
    pool,
    release: async () => {
      if (listening) pool.removeListener?.("error", onPoolError);
      if (given === undefined) await pool.end?.();
    },
  };
}

function warn(owner: string): (error: Error) => void {
  return (error) => {
    process.emitWarning(`${owner}: an idle PostgreSQL connection failed (the pool replaces it): ${errorMessage(error)}`, {
      code: "EWR_PG_POOL_ERROR",
    });
  };
}
