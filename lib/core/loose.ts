/** A payload object with the fields its type does not name reachable as `unknown`. */
export type Loose<T> = T & { readonly [key: string]: unknown };

/**
 * The same object, typed so that fields its schema does not name can be read. Payloads
 * keep every field the provider sent, but their types list only the validated ones, so
 * that a typo does not compile; reach the others through this, one level at a time.
 *
 * @example
 * misskey.on("note", (e) => {
 *   const poll = loose(e.payload.body.note).poll; // unknown: check it before use
 * });
 */
export function loose<T extends object>(value: T): Loose<T> {
  return value as Loose<T>;
}
