/**
 * better-sqlite3's default export (its `Database` class). Typed structurally so that
 * this package's declarations do not need `@types/better-sqlite3`.
 */
export type SqliteDatabaseConstructor = new (filename: string, options?: { timeout?: number; fileMustExist?: boolean }) => object;
