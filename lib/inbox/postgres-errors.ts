import type { TableName } from "./postgres-schema.js";
import { UnstorableRecordError } from "./unstorable.js";

/**
 * SQLSTATE classes that say "not this record", whatever the server's state: 22 data
 * exception (a NUL in text: 22021; a value out of range), 23 integrity constraint
 * violation, 54 program limit exceeded (a key too large for its index). Connection
 * failures (08), shutdowns (57P), resources (53) and the rest are outages.
 */
const RECORD_CLASSES = /^(22|23|54)[0-9A-Z]{3}$/;

/** `error` as an {@link UnstorableRecordError} where PostgreSQL refused the record itself; else as it is. */
export function asRecordFailure(error: unknown): unknown {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  if (typeof code !== "string" || !RECORD_CLASSES.test(code)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UnstorableRecordError(`PostgreSQL refused the record (SQLSTATE ${code}): ${message}`, { cause: error });
}

/** PostgreSQL's "relation does not exist" (42P01), saying what to do. */
export function missingTable(error: unknown, table: TableName): unknown {
  if (typeof error !== "object" || error === null || !("code" in error) || error.code !== "42P01") return error;
  return new Error(
    `The inbox table ${table.given} does not exist: call \`await inbox.createSchema()\` at start-up, ` +
      "or run the SQL of postgresInboxSchema() in your migrations.",
    { cause: error },
  );
}
