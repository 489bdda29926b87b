import type BetterSqlite3 from "better-sqlite3";
import { requirePeer } from "./require-peer.js";
import type { SqliteDatabaseConstructor } from "./sqlite-database-constructor.js";

// Only internal code sees better-sqlite3's types, so users need no `@types/better-sqlite3`.
export type SqliteDatabase = BetterSqlite3.Database;

const MISSING =
  "SqliteInbox needs the optional peer dependency better-sqlite3, and no copy of it was found " +
  "(looked up from this package, the working directory and the running script): install it " +
  "(npm install better-sqlite3), or pass its default export as the `Database` option.";

/**
 * Opens `path` with better-sqlite3: `Database` if given, else the copy installed in the
 * application, found as Node finds this package's own dependencies.
 */
export function openSqliteDatabase(
  path: string,
  options: { timeout: number; fileMustExist?: boolean },
  Database?: SqliteDatabaseConstructor,
): SqliteDatabase {
  const constructor = Database ?? resolveBetterSqlite3();
  const db = new constructor(path, options);
  if (!isDatabase(db)) throw new TypeError("The `Database` option must be better-sqlite3's default export.");
  return db;
}

function resolveBetterSqlite3(): SqliteDatabaseConstructor {
  const loaded = requirePeer("better-sqlite3");
  if (loaded === undefined) throw new TypeError(MISSING);
  if (!isConstructor(loaded)) throw new TypeError("better-sqlite3 was found but does not export its Database class.");
  return loaded;
}

function isConstructor(value: unknown): value is SqliteDatabaseConstructor {
  return typeof value === "function";
}

function isDatabase(value: object): value is SqliteDatabase {
  const db = value as Partial<SqliteDatabase>;
  return typeof db.prepare === "function" && typeof db.pragma === "function" && typeof db.transaction === "function";
}
