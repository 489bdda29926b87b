/**
 * `webhook <provider> <event>`, the event only where the receiver has a schema for it:
 * span names are grouped on, and a sender could otherwise invent names without end.
 */
export function spanName(provider: string, event: string | undefined, known: boolean | undefined): string {
  return known === true && event !== undefined ? `webhook ${provider} ${event}` : `webhook ${provider}`;
}
