import { randomBytes } from "node:crypto";
import { constants, copyFileSync, linkSync, rmSync, statSync } from "node:fs";
import { errorMessage } from "./error-message.js";
import { openSqliteDatabase, type SqliteDatabase } from "./load-better-sqlite3.js";
import type { SqliteDatabaseConstructor } from "./sqlite-database-constructor.js";
import { SCHEMA } from "./sqlite-rows.js";

/** Written to every inbox file we make (SQLite's `application_id`): "EWRI". */
export const APPLICATION_ID = 0x45575249;
/** The layout of `ewr_inbox` this version writes (SQLite's `user_version`). */
export const SCHEMA_VERSION = 1;

const COLUMNS = ["key", "provider", "name", "delivery_id", "known", "payload", "meta", "received_at", "status", "attempts"];

export interface OpenSqliteInboxOptions {
  path: string;
  /** undefined: create a missing file only; true: also an empty or unmarked one; false: never. */
  create: boolean | undefined;
  busyTimeoutMs: number;
  Database: SqliteDatabaseConstructor | undefined;
}

/**
 * Opens the inbox database at `path`, refusing anything that is not an inbox: an
 * empty (truncated) file, a foreign or unreadable one. A damaged inbox taken for a
 * new, empty one would silently drop every delivery it held. Files made by the
 * previous version (our table, unmarked) are marked and kept.
 */
export function openSqliteInbox({ path, create, busyTimeoutMs, Database }: OpenSqliteInboxOptions): SqliteDatabase {
  const open = (file: string, fileMustExist = false) => openSqliteDatabase(file, { timeout: busyTimeoutMs, fileMustExist }, Database);
  if (path === ":memory:") {
    const db = open(path);
    initialize(db);
    return db;
  }
  if (statSync(path, { throwIfNoEntry: false }) === undefined) {
    if (create === false) {
      throw new Error(
        `No inbox at ${path}: the file does not exist (nothing was created). Check the path: ` +
          "it is the `path` the receiver's SqliteInbox was given.",
      );
    }
    createInboxFile(path, open);
  }
  // Never creates: a file removed since is an error here, not a new empty inbox.
  const db = open(path, true);
  try {
    db.transaction(() => {
      adopt(db, path, create === true);
    }).immediate();
  } catch (error) {
    db.close();
    throw describeFailure(error, path);
  }
  return db;
}

/**
 * Makes a marked inbox beside `path` and links it into place, so that no process ever
 * sees a half-made file at `path`: a second process starting at the same moment either
 * finds nothing or a complete inbox, never an empty file it must refuse.
 */
function createInboxFile(path: string, open: (file: string) => SqliteDatabase): void {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.creating`;
  try {
    const db = open(temp);
    try {
      db.transaction(() => {
        initialize(db);
      }).immediate();
    } finally {
      db.close();
    }
    placeExclusively(temp, path);
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${temp}-journal`, { force: true });
  }
}

/** Puts `temp` at `path` unless something is there already (another process won: use its file). */
function placeExclusively(temp: string, path: string): void {
  try {
    linkSync(temp, path);
  } catch (error) {
    if (codeOf(error) === "EEXIST") return;
    // A file system without hard links: copy, still never over an existing file.
    try {
      copyFileSync(temp, path, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if (codeOf(copyError) !== "EEXIST") throw copyError;
    }
  }
}

/** Checks (in the caller's write transaction) that the file is ours, marking a previous version's. */
function adopt(db: SqliteDatabase, path: string, create: boolean): void {
  const applicationId = Number(db.pragma("application_id", { simple: true }));
  const version = Number(db.pragma("user_version", { simple: true }));
  const table = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('ewr_inbox')").all();
  if (applicationId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw new Error(`${path} was written by a newer version of express-webhook-receivers (inbox schema ${version}); upgrade to open it.`);
    }
    if (table.length === 0) {
      throw new Error(`${path} is marked as an inbox but its table ewr_inbox is gone: the file is damaged. Restore it from a backup.`);
    }
    if (version < SCHEMA_VERSION) mark(db);
    return;
  }
  if (applicationId !== 0) {
    const id = `0x${(applicationId >>> 0).toString(16).padStart(8, "0")}`;
    throw new Error(`${path} belongs to another application (SQLite application_id ${id}), not to an inbox. Check the path.`);
  }
  const names = new Set(table.map((column) => column.name));
  if (table.length > 0 && COLUMNS.every((column) => names.has(column))) {
    // Made by a version that did not mark its files yet: the same table, so mark it.
    db.exec(SCHEMA);
    mark(db);
    return;
  }
  if (create) {
    initialize(db);
    return;
  }
  const { n } = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_schema").get() ?? { n: 0 };
  if (n === 0) {
    const what = statSync(path).size === 0 ? "is empty (0 bytes)" : "is an empty SQLite database";
    throw new Error(
      `${path} exists but ${what}, so it is not an inbox: an inbox file truncated or replaced by an empty one ` +
        "would lose every delivery it held. Restore it from a backup; if a new inbox is meant, delete the file " +
        "(or pass `create: true`).",
    );
  }
  throw new Error(
    `${path} is a SQLite database but not an inbox (no ewr_inbox table, not marked as one). Check the path; ` +
      "to keep an inbox in this database as well, pass `create: true`.",
  );
}

function initialize(db: SqliteDatabase): void {
  db.exec(SCHEMA);
  mark(db);
}

function mark(db: SqliteDatabase): void {
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** SQLite's own words for a file that is not a database, with the path and what to do. */
function describeFailure(error: unknown, path: string): unknown {
  const code = codeOf(error);
  if (code !== "SQLITE_NOTADB" && !code?.startsWith("SQLITE_CORRUPT")) return error;
  return new Error(
    `${path} is not a readable inbox (${errorMessage(error)}): the file is damaged or not a SQLite database. ` +
      "Restore it from a backup, or move it away to start a new inbox.",
    { cause: error },
  );
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  return typeof code === "string" ? code : undefined;
}
