import { errorMessage } from "./error-message.js";
import { isUnstorableRecordError } from "./unstorable.js";

/**
 * SQLite result codes that say "not this record", whatever the state of the file:
 * a constraint it breaks, a value too big or of the wrong type. Everything else
 * (BUSY, LOCKED, IOERR, FULL, READONLY, CANTOPEN, CORRUPT, NOMEM, ...) is the store's.
 */
const SQLITE_RECORD_CODES = /^SQLITE_(CONSTRAINT|TOOBIG|MISMATCH)(_|$)/;

/** Redis replies refusing an argument for its size (proto-max-bulk-len, string limits). */
const REDIS_RECORD_REPLIES = /^ERR (string exceeds maximum allowed size|Protocol error: invalid bulk length)/;

/**
 * Whether a store error is about the record rather than the store: a final answer,
 * since a retry of the same record fails the same way. Anything not recognised is
 * an outage: a resending provider is asked to come back, which loses nothing.
 */
export function isRecordFailure(error: unknown): boolean {
  if (isUnstorableRecordError(error)) return true;
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  if (typeof code === "string" && SQLITE_RECORD_CODES.test(code)) return true;
  return isReplyError(error) && REDIS_RECORD_REPLIES.test(errorMessage(error));
}

// ioredis's ReplyError (from redis-errors): the server answered, with an error.
function isReplyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error && error.name === "ReplyError";
}
