const BRAND = Symbol.for("express-webhook-receivers.UnstorableRecordError");

/**
 * A record that an inbox can never hold, however healthy the store is: its payload
 * cannot be serialised (a cycle, a `BigInt`, nesting deeper than the stack), or the
 * store refuses it for what it is (a constraint, a size limit). Trying again cannot
 * help, so the receiver answers it as final instead of as an outage. An
 * {@link InboxStore} of your own may throw it for the same reasons.
 */
export class UnstorableRecordError extends Error {
  override readonly name = "UnstorableRecordError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for an {@link UnstorableRecordError}, even one from the package's other module system. */
export function isUnstorableRecordError(value: unknown): value is UnstorableRecordError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** `value` as JSON text, or an {@link UnstorableRecordError} naming the field when it has none. */
export function storedJson(field: string, value: unknown): string {
  let text: unknown;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    // RangeError (nesting deeper than the stack), TypeError (a cycle, a BigInt), or a throwing toJSON.
    throw new UnstorableRecordError(`The record's ${field} cannot be stored as JSON.`, { cause });
  }
  // A function or symbol has no JSON form: stored, it would come back as nothing.
  if (typeof text !== "string") throw new UnstorableRecordError(`The record's ${field} has no JSON form.`);
  return text;
}
