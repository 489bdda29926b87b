/** The label of events the receiver has no schema for, whatever their name. */
export const UNKNOWN_EVENT = "unknown";

/**
 * The `event` label: the name of a known event (bounded by the provider's schemas) or of
 * one the user listed; any other name collapses to `"unknown"`, since a sender controls
 * it and could otherwise create series without end.
 */
export function eventLabel(name: string, known: boolean | undefined, extra: ReadonlySet<string>): string {
  return known === true || extra.has(name) ? name : UNKNOWN_EVENT;
}
