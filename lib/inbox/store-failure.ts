import { isUnstorableRecordError } from "./unstorable.js";

/**
 * SQLite result codes that say "not this record", whatever the state of the file:
 * a constraint it breaks, a value too big or of the wrong type. Everything else
 * (BUSY, LOCKED, IOERR, FULL, READONLY, CANTOPEN, CORRUPT, NOMEM, ...) is the store's.
 */
const SQLITE_RECORD_CODES = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)(_|$)/;

/**
 * Whether a store error is about the record rather than the store: a final answer,
 * since a retry of the same record fails the same way. Anything not recognised is
 * an outage: a resending provider is asked to come back, which loses nothing.
 */
export function isRecordFailure(error: unknown): boolean {
  if (isUnstorableRecordError(error)) return true;
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  // Redis has no such error worth trusting: an argument over its size limit makes the
  // server drop the connection, and ioredis resends what was in flight (an outage to us).
  return typeof code === "string" && SQLITE_RECORD_CODES.test(code);
}
