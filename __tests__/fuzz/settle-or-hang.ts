import { isWebhookError } from "../../lib/core/errors.js";

/** What a promise came to: its value, its rejection, or nothing within the time given. */
export type Outcome<T> = { kind: "resolved"; value: T } | { kind: "rejected"; error: unknown } | { kind: "hung" };

/** Waits for a promise at most `ms`, so a hang fails the property (with its seed) instead of Jest's timeout. */
export async function settleOrHang<T>(promise: Promise<T>, ms = 5000): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve({ kind: "hung" });
    }, ms);
  });
  const settled = promise.then(
    (value): Outcome<T> => ({ kind: "resolved", value }),
    (error: unknown): Outcome<T> => ({ kind: "rejected", error }),
  );
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** "resolved", "hung", a rejection's WebhookError code, or "foreign: ..." for any other error. */
export function codeOf(outcome: Outcome<unknown>): string {
  if (outcome.kind !== "rejected") return outcome.kind;
  return isWebhookError(outcome.error) ? outcome.error.code : `foreign: ${String(outcome.error)}`;
}
