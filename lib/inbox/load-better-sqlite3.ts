import { createRequire } from "node:module";
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabaseConstructor } from "./sqlite.js";

// Only internal code sees better-sqlite3's types, so users need no `@types/better-sqlite3`.
export type SqliteDatabase = BetterSqlite3.Database;

const MISSING =
  "SqliteInbox needs the optional peer dependency better-sqlite3: install better-sqlite3 " +
  "(npm install better-sqlite3), or pass its default export as the `Database` option.";

/**
 * Opens `path` with better-sqlite3: `Database` if given, else the copy installed in the
 * application, resolved from the working directory, then from the running script (a
 * globally installed CLI). `createRequire` works the same in our ESM and CommonJS
 * builds, where neither `import.meta` nor `require` does.
 */
export function openSqliteDatabase(path: string, timeoutMs: number, Database?: SqliteDatabaseConstructor): SqliteDatabase {
  const constructor = Database ?? resolveBetterSqlite3();
  const db = new constructor(path, { timeout: timeoutMs });
  if (!isDatabase(db)) throw new TypeError("The `Database` option must be better-sqlite3's default export.");
  return db;
}

function resolveBetterSqlite3(): SqliteDatabaseConstructor {
  const bases = [join(process.cwd(), "noop.js"), process.argv[1]].filter((base) => base !== undefined);
  let firstError: unknown;
  for (const base of bases) {
    try {
      const loaded: unknown = createRequire(base)("better-sqlite3");
      if (isConstructor(loaded)) return loaded;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw new TypeError(MISSING, { cause: firstError });
}

function isConstructor(value: unknown): value is SqliteDatabaseConstructor {
  return typeof value === "function";
}

function isDatabase(value: object): value is SqliteDatabase {
  const db = value as Partial<SqliteDatabase>;
  return typeof db.prepare === "function" && typeof db.pragma === "function" && typeof db.transaction === "function";
}
