import type { PgPool } from "./postgres-client.js";
import { requirePeer } from "./require-peer.js";

type PoolConstructor = new (config: { connectionString: string; max: number; connectionTimeoutMillis: number }) => PgPool;

const MISSING =
  "`connectionString` needs the optional peer dependency pg, and no copy of it was found (looked up from " +
  "this package, the working directory and the running script): install it (npm install pg), or pass a " +
  "`pool` (new pg.Pool(...)) instead.";

/**
 * A pool of our own over `connectionString`, from the application's copy of `pg`: at
 * most 10 connections, and a connection attempt gives up after 5 s rather than
 * queueing deliveries behind an unreachable server.
 */
export function createPgPool(connectionString: string): PgPool {
  const pg = requirePeer("pg") as { Pool?: unknown; default?: { Pool?: unknown } } | undefined;
  if (pg === undefined) throw new TypeError(MISSING);
  const Pool = pg.Pool ?? pg.default?.Pool;
  if (typeof Pool !== "function") throw new TypeError("pg was found but does not export Pool (pg 8 is needed).");
  return new (Pool as PoolConstructor)({ connectionString, max: 10, connectionTimeoutMillis: 5000 });
}
